-- Red property management (红色物业): the county's evaluation standard as data (systems, items, weights), periodic
-- inspections scoring a compound's property company against it, residents' surveys, the grade and what follows it
-- (a rectification notice with a deadline, a flag for replacement, a recommendation), and major matters that need the
-- party organisation's consent before the owners vote. Plus a marker so the compound bodies imported before
-- CompoundBodyRegistered existed are published once for the three-coverages figures (三覆盖).

-- A standard is versioned: an inspection keeps the version it was scored against, so a county editing its standard
-- never changes a past score. County '*' is the default every county uses until it saves its own.
CREATE TABLE property_standards (
    county      text        NOT NULL,
    version     int         NOT NULL CHECK (version >= 1),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county, version)
);

CREATE TABLE property_standard_items (
    county       text         NOT NULL,
    version      int          NOT NULL,
    system_code  text         NOT NULL,
    system_name  text         NOT NULL,
    system_order int          NOT NULL,
    item_code    text         NOT NULL,
    item_name    text         NOT NULL,
    item_order   int          NOT NULL,
    -- The most points the item can give; a standard's weights add up to 100.
    weight       numeric(5,2) NOT NULL CHECK (weight > 0 AND weight <= 100),
    PRIMARY KEY (county, version, item_code),
    FOREIGN KEY (county, version) REFERENCES property_standards (county, version)
);

INSERT INTO property_standards (county, version, name, created_by) VALUES ('*', 1, '红色物业星级评价标准（默认）', 'seed');
INSERT INTO property_standard_items (county, version, system_code, system_name, system_order, item_code, item_name, item_order, weight)
SELECT '*', 1, s.system_code, s.system_name, s.system_order, i.item_code, i.item_name, i.item_order, i.weight
FROM (VALUES
    ('P', '党建引领', 1), ('S', '服务质量', 2), ('R', '规范运营与业主评价', 3)
) AS s(system_code, system_name, system_order)
JOIN (VALUES
    ('P', 'P01', '成立物业企业党组织或选派党建指导员', 1, 3),
    ('P', 'P02', '物业党组织纳入社区党委统一管理', 2, 2),
    ('P', 'P03', '党员员工亮身份、设岗定责', 3, 2),
    ('P', 'P04', '参加社区三方联动议事会', 4, 3),
    ('P', 'P05', '重大事项报社区党组织前置审议', 5, 3),
    ('P', 'P06', '物业负责人与社区两委交叉任职', 6, 2),
    ('P', 'P07', '参与社区志愿服务和双报到活动', 7, 2),
    ('P', 'P08', '红色物业阵地与党建品牌建设', 8, 1),
    ('P', 'P09', '党组织书记述职并接受群众评议', 9, 2),
    ('S', 'S01', '服务中心公示服务标准和收费项目', 1, 3),
    ('S', 'S02', '24小时值班和报修电话畅通', 2, 3),
    ('S', 'S03', '报修响应及时、按时限到场', 3, 4),
    ('S', 'S04', '维修完成并回访', 4, 4),
    ('S', 'S05', '楼道及公共区域保洁', 5, 4),
    ('S', 'S06', '垃圾分类与清运日产日清', 6, 4),
    ('S', 'S07', '绿化养护', 7, 3),
    ('S', 'S08', '门岗值守与秩序巡逻', 8, 3),
    ('S', 'S09', '车辆停放秩序', 9, 3),
    ('S', 'S10', '消防设施完好、消防通道畅通', 10, 4),
    ('S', 'S11', '电梯维保与年检', 11, 4),
    ('S', 'S12', '二次供水水箱清洗消毒', 12, 2),
    ('S', 'S13', '公共照明完好', 13, 2),
    ('S', 'S14', '房屋共用部位维修养护', 14, 3),
    ('S', 'S15', '化粪池和雨污管网疏通', 15, 2),
    ('S', 'S16', '突发事件应急预案与演练', 16, 3),
    ('S', 'S17', '装修管理与违建巡查', 17, 2),
    ('S', 'S18', '高空抛物防范与宣传', 18, 2),
    ('S', 'S19', '外墙及屋面渗漏处置', 19, 2),
    ('S', 'S20', '物业档案资料管理', 20, 3),
    ('R', 'R01', '物业服务合同履约', 1, 3),
    ('R', 'R02', '物业费收支与公共收益每半年公示', 2, 3),
    ('R', 'R03', '专项维修资金使用程序规范', 3, 3),
    ('R', 'R04', '投诉受理与办结', 4, 3),
    ('R', 'R05', '配合业委会工作、定期沟通', 5, 2),
    ('R', 'R06', '组织业主满意度测评', 6, 2),
    ('R', 'R07', '矛盾纠纷排查化解', 7, 2),
    ('R', 'R08', '承诺退出时依约交接', 8, 2)
) AS i(system_code, item_code, item_name, item_order, weight) USING (system_code);

CREATE TABLE property_inspections (
    id                uuid         PRIMARY KEY,
    compound_code     text         NOT NULL REFERENCES grid_nodes (code),
    scope_path        text[]       NOT NULL,
    -- The company as it was when inspected: a re-import may replace it later.
    company           text         NOT NULL,
    county            text         NOT NULL,
    standard_version  int          NOT NULL,
    inspection_score  numeric(5,2) NOT NULL,
    survey_satisfaction    numeric(5,2),
    orders_on_time_rate    numeric(5,2),
    orders_satisfaction_rate numeric(5,2),
    orders            int          NOT NULL,
    score             numeric(5,2) NOT NULL,
    grade             text         NOT NULL CHECK (grade IN ('good', 'fair', 'poor')),
    notes             text,
    inspected_at      timestamptz  NOT NULL,
    inspector         text         NOT NULL,
    inspector_name    text         NOT NULL,
    recorded_at       timestamptz  NOT NULL,
    FOREIGN KEY (county, standard_version) REFERENCES property_standards (county, version)
);
CREATE INDEX property_inspections_compound ON property_inspections (compound_code, inspected_at DESC);
CREATE INDEX property_inspections_scope ON property_inspections USING gin (scope_path);

CREATE TABLE property_inspection_scores (
    inspection_id uuid         NOT NULL REFERENCES property_inspections (id),
    item_code     text         NOT NULL,
    points        numeric(5,2) NOT NULL CHECK (points >= 0),
    weight        numeric(5,2) NOT NULL,
    note          text,
    PRIMARY KEY (inspection_id, item_code),
    CHECK (points <= weight)
);

CREATE TABLE property_surveys (
    id                  uuid        PRIMARY KEY,
    compound_code       text        NOT NULL REFERENCES grid_nodes (code),
    scope_path          text[]      NOT NULL,
    company             text        NOT NULL,
    respondents         int         NOT NULL CHECK (respondents > 0),
    satisfied           int         NOT NULL CHECK (satisfied >= 0),
    basically_satisfied int         NOT NULL CHECK (basically_satisfied >= 0),
    dissatisfied        int         NOT NULL CHECK (dissatisfied >= 0),
    surveyed_at         timestamptz NOT NULL,
    recorded_by         text        NOT NULL,
    recorded_at         timestamptz NOT NULL,
    CHECK (satisfied + basically_satisfied + dissatisfied = respondents)
);
CREATE INDEX property_surveys_compound ON property_surveys (compound_code, surveyed_at DESC);

CREATE TABLE rectification_notices (
    id                uuid        PRIMARY KEY,
    inspection_id     uuid        NOT NULL REFERENCES property_inspections (id),
    compound_code     text        NOT NULL,
    scope_path        text[]      NOT NULL,
    company           text        NOT NULL,
    items             text[]      NOT NULL,
    state             text        NOT NULL CHECK (state IN ('open', 'rectified', 'flagged')),
    due_at            timestamptz NOT NULL,
    opened_at         timestamptz NOT NULL,
    rectified_by      uuid        REFERENCES property_inspections (id),
    closed_at         timestamptz
);
-- One running notice per company and compound: a second poor grade while one runs adds nothing.
CREATE UNIQUE INDEX rectification_notices_one_open ON rectification_notices (compound_code, company) WHERE state = 'open';
CREATE INDEX rectification_notices_due ON rectification_notices (due_at) WHERE state = 'open';
CREATE INDEX rectification_notices_scope ON rectification_notices USING gin (scope_path);

CREATE TABLE major_matters (
    id              uuid          PRIMARY KEY,
    compound_code   text          NOT NULL REFERENCES grid_nodes (code),
    scope_path      text[]        NOT NULL,
    kind            text          NOT NULL CHECK (kind IN ('fee', 'project', 'maintenance_fund', 'company_change')),
    title           text          NOT NULL,
    description     text          NOT NULL,
    amount_yuan     numeric(14,2),
    state           text          NOT NULL CHECK (state IN ('proposed', 'consented', 'refused', 'passed', 'rejected')),
    proposed_by     text          NOT NULL,
    proposed_at     timestamptz   NOT NULL,
    party_org_id    uuid          REFERENCES party_orgs (id),
    consent_by      text,
    consent_note    text,
    consent_at      timestamptz,
    eligible_owners int,
    eligible_area   numeric(12,2),
    voted_owners    int,
    voted_area      numeric(12,2),
    for_owners      int,
    for_area        numeric(12,2),
    against_owners  int,
    against_area    numeric(12,2),
    vote_held_at    timestamptz,
    vote_recorded_by text
);
CREATE INDEX major_matters_scope ON major_matters USING gin (scope_path);

-- Compound bodies imported before CompoundBodyRegistered existed are published once at start-up.
ALTER TABLE property_companies ADD COLUMN coverage_published boolean NOT NULL DEFAULT false;
ALTER TABLE owners_committees ADD COLUMN coverage_published boolean NOT NULL DEFAULT false;
