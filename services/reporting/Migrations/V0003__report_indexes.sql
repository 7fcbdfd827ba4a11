-- Found by the benchmark (bench/GovPlatform.Reporting.Benchmarks): without these, the property-company
-- grades and the grid coverage of every KPI report scanned all of request_facts, whatever the period.
CREATE INDEX request_facts_property_company ON request_facts (property_company) WHERE property_company IS NOT NULL;
CREATE INDEX request_facts_grid_assigned ON request_facts (grid_code, assigned_at);
