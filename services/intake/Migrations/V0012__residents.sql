-- Residents reach the desk themselves: doorplates on buildings, one-time codes for phones,
-- notices the community publishes, and the progress messages residents are sent.

-- A doorplate (数字门牌) code is random and long enough not to be guessed (16 characters of
-- base32, 80 bits); it resolves to one node of the grid copy. Revoking keeps the row, so a
-- scan of an old plate can say it was replaced instead of "unknown".
CREATE TABLE doorplates (
    code        text        PRIMARY KEY,
    node_code   text        NOT NULL,
    label       text,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    revoked_at  timestamptz,
    revoked_by  text,
    replaced_by text        REFERENCES doorplates (code)
);
CREATE INDEX doorplates_by_node ON doorplates (node_code) WHERE revoked_at IS NULL;

-- One pending one-time code per phone; only its HMAC is kept, never the digits.
CREATE TABLE resident_codes (
    phone      text        PRIMARY KEY,
    code_hash  bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   int         NOT NULL DEFAULT 0
);

-- Legal and policy notices a community publishes to its residents.
CREATE TABLE notices (
    id             uuid        PRIMARY KEY,
    community_code text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('legal', 'policy', 'notice')),
    title          text        NOT NULL,
    body           text        NOT NULL,
    published_at   timestamptz NOT NULL,
    published_by   text        NOT NULL,
    withdrawn_at   timestamptz
);
CREATE INDEX notices_by_community ON notices (community_code, published_at DESC) WHERE withdrawn_at IS NULL;

-- What a resident is told at each step; admins edit the text. Placeholders: {ticket}, {category},
-- {detail} (the handler's result or plan), {link} (the status page).
CREATE TABLE notification_templates (
    step       text        PRIMARY KEY,
    body       text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text        NOT NULL DEFAULT 'migration'
);
INSERT INTO notification_templates (step, body) VALUES
    ('submitted',   '【民声总台】您反映的{category}问题已受理，单号{ticket}。进度：{link}'),
    ('linked',      '【民声总台】您反映的问题已有邻居报过，已并入同一工单一并处理，单号{ticket}。进度：{link}'),
    ('assigned',    '【民声总台】单号{ticket}已派给网格员处理。'),
    ('on_site',     '【民声总台】网格员已到达现场处理单号{ticket}。'),
    ('resolved',    '【民声总台】单号{ticket}已办结：{detail}。请评价：{link}'),
    ('plan_formed', '【民声总台】单号{ticket}需要较长时间处理，办理方案：{detail}。'),
    ('closed',      '【民声总台】单号{ticket}已结案，感谢您的参与。'),
    ('reopened',    '【民声总台】单号{ticket}已重新办理，我们会尽快处理。');

-- A resident who asked not to be told any more about one request.
CREATE TABLE notification_optouts (
    request_id uuid        PRIMARY KEY REFERENCES requests (id),
    at         timestamptz NOT NULL
);

-- Every message owed to a reporter: one row per timeline entry per recipient (the request's own
-- reporter and every reporter linked to it as a duplicate), made by a trigger on the timeline, so
-- the step and the message owed for it commit together and a redelivered event owes nothing new.
CREATE TABLE resident_notifications (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    timeline_id          bigint      NOT NULL REFERENCES request_timeline (id),
    request_id           uuid        NOT NULL REFERENCES requests (id),
    recipient_request_id uuid        NOT NULL REFERENCES requests (id),
    step                 text        NOT NULL,
    step_at              timestamptz NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    state                text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts             int         NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at              timestamptz,
    text                 text,
    last_error           text,
    UNIQUE (timeline_id, recipient_request_id)
);
CREATE INDEX resident_notifications_due ON resident_notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX resident_notifications_by_recipient ON resident_notifications (recipient_request_id);
