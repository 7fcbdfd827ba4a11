#!/usr/bin/env python3
"""Checks the Kubernetes objects one overlay renders (kubectl kustomize output on stdin) without a cluster.

kubectl's own client-side dry run asks the API server for its resource list, so it cannot run offline; this
checks what matters for this platform instead, and fails naming the object:
  - every object has apiVersion, kind and a DNS-1123 name, and kinds use the API versions current clusters serve;
  - each Deployment's selector matches its pod labels; every container has an image, CPU and memory requests and
    limits (requests within limits), a readiness probe on /health, a liveness probe on /alive, both on a declared
    port; pods run as a non-root user with a read-only root filesystem, no privilege escalation, all capabilities
    dropped, and a writable /tmp volume that exists;
  - settings come under the names Aspire injects: every ConnectionStrings__* / Auth__ / Identity__ / Volunteer__
    value comes from a Secret, never a literal; referenced ConfigMaps exist; referenced Secrets are the operator's
    documented ones (scripts/check-manifests.py OPERATOR_SECRETS, docs/operations.md);
  - every Deployment has a Service and a PodDisruptionBudget selecting its pods; every HorizontalPodAutoscaler
    scales a Deployment that exists, between minReplicas >= 2 and a larger maxReplicas, on a metric;
  - a Deployment whose service migrates with the platform's migrator runs the migration init container first.
"""
import re
import sys

import yaml

OPERATOR_SECRETS = {"platform-connections", "platform-keys", "intake-db", "dispatch-db", "volunteer-db", "reporting-db",
                    "identity-db", "volunteer-keys", "identity-keys"}
API_VERSIONS = {"Deployment": "apps/v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1", "Namespace": "v1",
                "PodDisruptionBudget": "policy/v1", "HorizontalPodAutoscaler": "autoscaling/v2"}
MIGRATED = {"intake", "dispatch", "volunteer", "reporting"}
SECRET_SETTINGS = re.compile(r"^(ConnectionStrings__|Auth__SigningKey|Identity__|Volunteer__QrSigningKey)")
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
errors = []


def fail(obj, message):
    errors.append(f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}: {message}")


def quantity(value, cpu):
    text = str(value)
    units = {"m": 0.001} if cpu else {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_container(obj, c, volumes, configmaps, init):
    where = f"container {c.get('name')}"
    if not c.get("image"):
        fail(obj, f"{where} has no image")
    res = c.get("resources", {})
    for kind in ("cpu", "memory"):
        req, lim = res.get("requests", {}).get(kind), res.get("limits", {}).get(kind)
        if req is None or lim is None:
            fail(obj, f"{where} lacks a {kind} request or limit")
        elif quantity(req, kind == "cpu") > quantity(lim, kind == "cpu"):
            fail(obj, f"{where} requests more {kind} than its limit")
    sc = c.get("securityContext", {})
    if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False \
            or "ALL" not in sc.get("capabilities", {}).get("drop", []):
        fail(obj, f"{where} must have a read-only root, no privilege escalation and drop ALL capabilities")
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    if "/tmp" not in mounts.values():
        fail(obj, f"{where} has no writable /tmp")
    for name in mounts:
        if name not in volumes:
            fail(obj, f"{where} mounts volume {name}, which the pod does not declare")
    for source in c.get("envFrom", []):
        if "configMapRef" in source and source["configMapRef"]["name"] not in configmaps:
            fail(obj, f"{where} reads ConfigMap {source['configMapRef']['name']}, which is not rendered")
        if "secretRef" in source and source["secretRef"]["name"] not in OPERATOR_SECRETS:
            fail(obj, f"{where} reads Secret {source['secretRef']['name']}, not one of the operator's documented Secrets")
    for env in c.get("env", []):
        if SECRET_SETTINGS.match(env["name"]) and "valueFrom" not in env:
            fail(obj, f"{where} sets {env['name']} literally: it belongs in a Secret")
    if init:
        return
    ports = {p.get("name") for p in c.get("ports", [])} | {p.get("containerPort") for p in c.get("ports", [])}
    if 8080 not in ports:
        fail(obj, f"{where} does not declare the image's port 8080")
    for probe, path in (("readinessProbe", "/health"), ("livenessProbe", "/alive")):
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") not in ports:
            fail(obj, f"{where} needs a {probe} on {path} at a declared port")


def main():
    objects = [o for o in yaml.safe_load_all(sys.stdin) if o]
    if not objects:
        sys.exit("check-manifests: nothing rendered")
    by_kind = {}
    for o in objects:
        name = o.get("metadata", {}).get("name", "")
        if not o.get("apiVersion") or not o.get("kind") or not NAME.match(name):
            fail(o, "needs apiVersion, kind and a lower-case DNS name")
        expected = API_VERSIONS.get(o.get("kind"))
        if expected is None:
            fail(o, "is a kind this check does not know")
        elif o["apiVersion"] != expected:
            fail(o, f"uses {o['apiVersion']}, not {expected}")
        by_kind.setdefault(o.get("kind"), []).append(o)
    configmaps = {o["metadata"]["name"] for o in by_kind.get("ConfigMap", [])}
    deployments = {o["metadata"]["name"]: o for o in by_kind.get("Deployment", [])}
    if not deployments:
        fail({"kind": "overlay"}, "renders no Deployment")
    for name, d in deployments.items():
        spec = d["spec"]
        template = spec["template"]
        labels = template["metadata"].get("labels", {})
        if not selects(spec.get("selector", {}).get("matchLabels"), labels):
            fail(d, "selector does not match its pod labels")
        pod = template["spec"]
        psc = pod.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
            fail(d, "pods must run as a fixed non-root user")
        volumes = {v["name"] for v in pod.get("volumes", [])}
        for c in pod.get("containers", []):
            check_container(d, c, volumes, configmaps, init=False)
        inits = pod.get("initContainers", [])
        for c in inits:
            check_container(d, c, volumes, configmaps, init=True)
        if name in MIGRATED and not any(
                e.get("name") == "Migrations__ExitAfterMigrating" and e.get("value") == "true" for c in inits for e in c.get("env", [])):
            fail(d, "needs the migration init container (Migrations__ExitAfterMigrating=true)")
        if not any(selects(s["spec"].get("selector"), labels) for s in by_kind.get("Service", [])):
            fail(d, "no Service selects its pods")
        if not any(selects(p["spec"].get("selector", {}).get("matchLabels"), labels) for p in by_kind.get("PodDisruptionBudget", [])):
            fail(d, "no PodDisruptionBudget covers its pods")
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        target = h["spec"].get("scaleTargetRef", {})
        if target.get("kind") != "Deployment" or target.get("name") not in deployments:
            fail(h, "does not scale a rendered Deployment")
        if h["spec"].get("minReplicas", 1) < 2 or h["spec"].get("maxReplicas", 0) <= h["spec"].get("minReplicas", 1) \
                or not h["spec"].get("metrics"):
            fail(h, "needs minReplicas >= 2, a larger maxReplicas and a metric")
    for s in by_kind.get("Service", []):
        if not any(selects(s["spec"].get("selector"), d["spec"]["template"]["metadata"].get("labels", {})) for d in deployments.values()):
            fail(s, "selects no Deployment's pods")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
    print(f"{kinds}: valid")


main()
