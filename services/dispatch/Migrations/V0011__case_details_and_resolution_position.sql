-- The case as intake sent it with RequestSubmitted (description, address, attributes, files, masked reporter), so the
-- handler sees what to fix. NULL for orders made from messages published before the case was carried.
ALTER TABLE work_orders ADD COLUMN case_details jsonb;

-- Where the handler stood when resolving (the phone's position), shown beside the resolution photos.
ALTER TABLE work_orders
    ADD COLUMN resolved_latitude  double precision CHECK (resolved_latitude BETWEEN -90 AND 90),
    ADD COLUMN resolved_longitude double precision CHECK (resolved_longitude BETWEEN -180 AND 180),
    ADD COLUMN resolved_accuracy_m double precision CHECK (resolved_accuracy_m >= 0);
