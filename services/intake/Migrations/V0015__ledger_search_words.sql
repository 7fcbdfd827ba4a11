-- The ledger's free-text search by words: the description's and address's jieba segments (search
-- mode: long words and the shorter dictionary words inside them) plus the ideas the paraphrase table
-- reads in them (走廊 and 过道 are both 楼道), as lexemes kept verbatim in a text[] with a GIN index,
-- so "楼道 灯" finds "3号楼走廊的灯坏了" and ranks by how many of the asked words a request has.
-- Filled by intake when it files a request (segmenting happens in .NET, not in SQL); rows filed
-- before this column existed, or by a path that does not fill it, are filled by a background job
-- that reads them through the partial index below. The trigram indexes stay for substrings.
-- A text[] rather than a tsvector: PostgreSQL's text-search parser would split Chinese again by
-- its own rules (and under the C locale not at all); array_to_tsvector would keep the lexemes but
-- ranking by matched words is as simple on an array.
ALTER TABLE requests ADD COLUMN search_words text[];
CREATE INDEX requests_search_words ON requests USING gin (search_words);
CREATE INDEX requests_search_words_missing ON requests (submitted_at) WHERE search_words IS NULL;
