-- A critical request (a resident's one-key alarm) runs against a short clock of its own, whatever its
-- category: accept in 1 minute, on site in 10, made safe in 30, a plan within the hour. Admins edit it as
-- the policy named 'critical' (PUT /api/v1/sla-policies/critical); no category is called that.
INSERT INTO sla_policies (category, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds)
VALUES ('critical', 60, 600, 1800, 3600)
ON CONFLICT (category) DO NOTHING;
