-- Routing may send a category to the grid's responsible unit (包保单位) or to the compound's owners'
-- committee (业委会), as it already could to the property company.
ALTER TABLE routing_rules DROP CONSTRAINT routing_rules_target_check;
ALTER TABLE routing_rules ADD CONSTRAINT routing_rules_target_check
    CHECK (target IN ('grid', 'property_company', 'responsible_unit', 'owners_committee'));
