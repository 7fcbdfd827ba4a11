-- Needs raised at a residents' meeting (居民议事会, 岭上夜话, 议事亭) are filed as requests of channel 'meeting',
-- linked to the meeting dispatch recorded. The need's id is unique, so a need is filed once however often its
-- event arrives.
ALTER TABLE requests
    ADD COLUMN meeting_id      uuid,
    ADD COLUMN meeting_need_id uuid;
CREATE UNIQUE INDEX requests_meeting_need ON requests (meeting_need_id) WHERE meeting_need_id IS NOT NULL;
CREATE INDEX requests_meeting ON requests (meeting_id) WHERE meeting_id IS NOT NULL;
