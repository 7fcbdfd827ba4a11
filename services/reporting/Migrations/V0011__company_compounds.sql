-- Which compounds a property company serves: a (company, compound) pair from the first time a request on
-- the compound's path was assigned to the company. The property-company figures used to find these pairs
-- by scanning every fact of all time with a company (0.8 s of every /kpis call at 10 M requests, whatever
-- the period or region); now they read this small table. A pair is never taken back: a company that was
-- sent to a compound once served it, even if that request later went to another company. Kept by a trigger on
-- request_facts (Repeatable/R__request_facts_to_company_compounds.sql).
CREATE TABLE company_compounds (
    company           text        NOT NULL,
    compound          text        NOT NULL,
    first_assigned_at timestamptz NOT NULL,
    PRIMARY KEY (company, compound)
);
