-- Categories a request can be filed under. The full two-level catalogue with Open311 attributes
-- grows from this list; these are the ones DOMAIN.md names as typical in the field.
CREATE TABLE categories (
    code     text PRIMARY KEY,
    name_zh  text NOT NULL,
    name_en  text NOT NULL
);
INSERT INTO categories (code, name_zh, name_en) VALUES
    ('parking',           '停车秩序',       'Parking disorder'),
    ('drainage',          '下水道堵塞',     'Blocked drains and sewers'),
    ('water_supply',      '供水问题',       'Water supply'),
    ('street_light',      '路灯故障',       'Street lights'),
    ('greening',          '绿化养护',       'Greening'),
    ('stairwell_clutter', '楼道杂物与小广告', 'Stairwell rubbish and flyers'),
    ('fire_escape',       '消防通道占用',   'Occupied fire escapes'),
    ('thrown_objects',    '高空抛物',       'Objects thrown from height'),
    ('roof_leak',         '房屋漏水',       'Roof leaks'),
    ('noise',             '噪音扰民',       'Noise'),
    ('neighbour_dispute', '邻里纠纷',       'Neighbour disputes'),
    ('property_service',  '物业服务投诉',   'Property-service complaints'),
    ('public_repair',     '公共设施维修',   'Public repairs'),
    ('safety_hazard',     '安全隐患',       'Safety hazards'),
    ('anti_fraud_legal',  '反诈与法律帮助', 'Anti-fraud and legal help'),
    ('elderly_disabled',  '助老助残',       'Elderly and disabled assistance');

-- The request ledger (诉求台账). Ticket numbers read as the local date plus a sequence, so they
-- sort by date and a resident can read one over the phone.
CREATE SEQUENCE ticket_seq;

CREATE TABLE requests (
    id              uuid        PRIMARY KEY,
    ticket_no       text        NOT NULL UNIQUE,
    channel         text        NOT NULL,
    category        text        NOT NULL REFERENCES categories (code),
    urgency         text        NOT NULL,
    description     text        NOT NULL,
    reporter_name   text,
    reporter_phone  text,
    location_code   text        NOT NULL,
    location_path   text[]      NOT NULL,
    address         text,
    latitude        double precision,
    longitude       double precision,
    status          text        NOT NULL,
    submitted_at    timestamptz NOT NULL
);
CREATE INDEX requests_submitted ON requests (submitted_at DESC);
CREATE INDEX requests_location_path ON requests USING gin (location_path);
