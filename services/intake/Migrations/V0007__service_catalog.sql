-- The service catalogue: two levels (major / minor), zh-CN and English names, the tier that
-- handles a category by default, and the extra questions it asks (Open311 "attributes").
-- Requests are filed under minor categories; majors group them.
ALTER TABLE categories
    ADD COLUMN parent_code   text        REFERENCES categories (code),
    ADD COLUMN default_tier  text        NOT NULL DEFAULT 'compound' CHECK (default_tier IN ('compound', 'community', 'subdistrict', 'county')),
    ADD COLUMN attributes    jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN active        boolean     NOT NULL DEFAULT true,
    ADD COLUMN sort_order    int         NOT NULL DEFAULT 0,
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now();
CREATE INDEX categories_parent ON categories (parent_code);

INSERT INTO categories (code, name_zh, name_en, default_tier, sort_order) VALUES
    ('public_facilities', '市政设施',     'Public facilities',            'community',   10),
    ('environment',       '环境卫生',     'Environment and sanitation',   'compound',    20),
    ('public_safety',     '公共安全',     'Public safety',                'community',   30),
    ('housing_property',  '房屋与物业',   'Housing and property',         'compound',    40),
    ('public_order',      '社会秩序',     'Public order',                 'compound',    50),
    ('disputes',          '矛盾纠纷',     'Disputes',                     'community',   60),
    ('people_services',   '民生服务',     'Services for residents',       'community',   70);

UPDATE categories SET parent_code = 'public_facilities', default_tier = 'community'   WHERE code IN ('street_light', 'drainage', 'water_supply', 'public_repair');
UPDATE categories SET parent_code = 'environment',       default_tier = 'compound'    WHERE code IN ('greening', 'stairwell_clutter');
UPDATE categories SET parent_code = 'public_safety',     default_tier = 'community'   WHERE code IN ('fire_escape', 'thrown_objects', 'safety_hazard');
UPDATE categories SET parent_code = 'housing_property',  default_tier = 'compound'    WHERE code IN ('roof_leak', 'property_service');
UPDATE categories SET parent_code = 'public_order',      default_tier = 'compound'    WHERE code IN ('parking', 'noise');
UPDATE categories SET parent_code = 'disputes',          default_tier = 'community'   WHERE code = 'neighbour_dispute';
UPDATE categories SET parent_code = 'people_services',   default_tier = 'community'   WHERE code IN ('anti_fraud_legal', 'elderly_disabled');
-- Things a compound cannot fix alone start higher: a water main or a fraud case is not the property company's.
UPDATE categories SET default_tier = 'subdistrict' WHERE code IN ('water_supply', 'anti_fraud_legal');

UPDATE categories SET attributes = '[{"code":"floor","datatype":"number","required":false,"description":"从几楼抛下（估计）","order":1},{"code":"injured","datatype":"singlevaluelist","required":false,"description":"是否有人受伤","order":2,"values":[{"key":"yes","name":"有"},{"key":"no","name":"没有"}]}]'
    WHERE code = 'thrown_objects';
UPDATE categories SET attributes = '[{"code":"time_of_day","datatype":"singlevaluelist","required":false,"description":"噪音主要出现的时段","order":1,"values":[{"key":"day","name":"白天"},{"key":"evening","name":"晚上"},{"key":"night","name":"深夜（22点后）"}]},{"code":"source","datatype":"string","required":false,"description":"噪音来源","order":2}]'
    WHERE code = 'noise';
UPDATE categories SET attributes = '[{"code":"floor","datatype":"number","required":false,"description":"漏水的楼层","order":1},{"code":"top_floor","datatype":"singlevaluelist","required":false,"description":"是否顶楼","order":2,"values":[{"key":"yes","name":"是"},{"key":"no","name":"否"}]}]'
    WHERE code = 'roof_leak';
UPDATE categories SET attributes = '[{"code":"plate_number","datatype":"string","required":false,"description":"车牌号（如知道）","order":1}]'
    WHERE code = 'parking';
UPDATE categories SET attributes = '[{"code":"people_affected","datatype":"number","required":false,"description":"影响的户数","order":1}]'
    WHERE code = 'water_supply';
