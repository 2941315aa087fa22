#!/usr/bin/env python3
"""Checks rendered kustomize output offline. Called by validate.sh.

  validate.py DIR TARGET...

For each TARGET (base, dev, prod) reads DIR/TARGET.yaml (what gets applied) and, if
present, DIR/TARGET.render.yaml (k8s/render.py's output) and checks:

  1. both renderings hold the same objects, field for field;
  2. every built-in object against the Kubernetes OpenAPI schemas bundled with
     kubernetes-validate, strictly (unknown fields are errors), for every version
     from 1.28 to the newest bundled;
  3. every custom resource (RabbitmqCluster, the Messaging Topology Operator's
     Exchange/Queue/Binding/User/Permission/TopicPermission, CloudNativePG Cluster,
     ServiceMonitor)
     against k8s/schemas/<group>_<version>_<Kind>.json, which cover the fields used;
  4. every service has its Deployment, Service, ConfigMap, migration Job, HPA, PDB,
     NetworkPolicy and ServiceAccount, wired to each other (selectors, names, the
     Secret reference), with the probes, hardening and resources the design asks for,
     and OIDC token verification (AUTH_MODE=oidc, issuer, audience; no JWT_SECRET);
  5. the console likewise (no migration Job, no database): its secrets (client secret,
     cookie key) from console-secrets and never in its ConfigMap, its OIDC and upstream
     settings, a NetworkPolicy that lets it reach the four services and the provider and
     each service's that lets it in, and its Ingress routing / to it (sticky);
  6. what each overlay promises (replicas, HPA floor, LOG_FORMAT, monitoring);
  7. no Secret is rendered (secret values are never committed);
  8. least privilege around the data: each migration Job reads only its schema owner's
     DATABASE_URL (Secret `<svc>-migrate`), each service runs as `<svc>_app`, which may only
     read and write its tables, and NetworkPolicies let only the services (plus operators,
     peers and Prometheus) reach the PostgreSQL and RabbitMQ pods.
  9. every service has its own RabbitMQ User, Permission and TopicPermission, with
     anchored regexes and no `.*`;
 10. what surviving the loss of a node needs (docs/failure-modes.md), in base and prod:
     a PostgreSQL Cluster of at least 3 instances that requires a synchronous standby
     (`synchronous`: method any, number >= 1, dataDurability required), a RabbitmqCluster
     of at least 3 nodes (an odd count); everywhere: no setting lowers synchronous_commit
     below `on`, a synchronous `number` stays below `instances`, every Queue is a quorum
     queue.

Prints one line per error and a summary; exits 1 if there was any error.
"""

import functools
import json
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

SERVICES = ["catalog", "orders", "inspection", "recovery"]
CONSOLE = "console"
# What each deployable reads from its Secret `<name>-secrets`, never from its ConfigMap.
SECRET_KEYS = {svc: ("DATABASE_URL", "AMQP_URL") for svc in SERVICES}
SECRET_KEYS[CONSOLE] = ("OIDC_CLIENT_SECRET", "COOKIE_KEY")
# Variables that must never appear with a literal value (ConfigMap or env `value`).
SECRET_NAMES = {"DATABASE_URL", "AMQP_URL", "OIDC_CLIENT_SECRET", "COOKIE_KEY", "JWT_SECRET"}
# The console's gateway: the variable naming each service's base URL.
UPSTREAM_VARS = {"catalog": "CATALOG_URL", "orders": "ORDERS_URL",
                 "inspection": "INSPECTION_URL", "recovery": "RECOVERY_URL"}
MIN_VERSION = (1, 28)
HERE = os.path.dirname(os.path.abspath(__file__))
# The targets that must survive the loss of a node (docs/failure-modes.md); dev runs one
# instance of each dependency and promises nothing of the kind.
HA_TARGETS = {"base", "prod"}
# A quorum needs a majority: 3 nodes survive the loss of 1.
MIN_BROKER_NODES = 3
MIN_PG_INSTANCES = 3
# synchronous_commit values that acknowledge a commit before a synchronous standby has
# flushed it (remote_write: written, not flushed) or without waiting for one at all.
WEAK_SYNCHRONOUS_COMMIT = re.compile(
    r"synchronous_commit\W{0,3}(?:=|\bto\b|:)?\W{0,3}(off|local|remote_write|false|no|0)\b",
    re.IGNORECASE)
OVERLAY_EXPECT = {
    "dev": {"replicas": 1, "hpa_min": 1, "log_format": "pretty", "monitoring": False},
    "prod": {"replicas": 2, "hpa_min": 2, "log_format": "json", "monitoring": True},
}

errors = []

# kubernetes-validate reads and parses the schema files (the definitions file is
# several MB) on every call; they never change during a run, so parse each once.
kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(
    kubernetes_validate.utils.schema_contents)


def err(target, obj, msg):
    where = f"{obj['kind']}/{obj['metadata']['name']}" if obj else "-"
    errors.append(f"ERROR [{target}] {where}: {msg}")


def versions():
    seen = []
    for v in kubernetes_validate.utils.all_versions():
        mm = tuple(int(x) for x in v.split(".")[:2])
        if mm >= MIN_VERSION and v not in seen:
            seen.append(v)
    return sorted(seen, key=lambda v: tuple(int(x) for x in v.split(".")))


def load_crd_schemas():
    schemas = {}
    d = os.path.join(HERE, "schemas")
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                s = json.load(f)
            jsonschema.Draft7Validator.check_schema(s)
            schemas[name[: -len(".json")]] = jsonschema.Draft7Validator(s)
    return schemas


def crd_key(obj):
    api = obj.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    return f"{group}_{version}_{obj.get('kind')}"


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def oid(o):
    md = o.get("metadata") or {}
    return (o.get("apiVersion"), o.get("kind"), md.get("namespace"), md.get("name"))


# ----------------------------------------------------------------- schema checks

def check_schemas(target, docs, vers, crds):
    for o in docs:
        key = crd_key(o)
        if key in crds:
            for e in sorted(crds[key].iter_errors(o), key=lambda e: list(e.path)):
                err(target, o, f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message} [schema k8s/schemas/{key}.json]")
            continue
        for v in vers:
            try:
                kubernetes_validate.validate(o, v, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                err(target, o, f"no bundled schema for {o.get('apiVersion')} {o.get('kind')} in {v} "
                               f"and no k8s/schemas/{key}.json")
                break
            except kubernetes_validate.ValidationError as e:
                err(target, o, f"k8s {v}: {'.'.join(map(str, e.path)) or '(root)'}: {e.message}")


# ----------------------------------------------------------------- wiring checks

def find(docs, kind, name):
    hits = [o for o in docs if o["kind"] == kind and o["metadata"]["name"] == name]
    return hits[0] if len(hits) == 1 else None


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_pod(target, o, svc, pod, secret_keys=None):
    """`secret_keys`: Secret name -> the keys the container must read from it, and the only
    secret references it may have (default: `<svc>-secrets` with SECRET_KEYS[svc])."""
    spec = pod["spec"]
    if spec.get("serviceAccountName") != svc:
        err(target, o, f"serviceAccountName should be {svc}")
    if spec.get("automountServiceAccountToken") is not False:
        err(target, o, "automountServiceAccountToken should be false")
    psc = spec.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        err(target, o, "pod securityContext.runAsNonRoot should be true")
    containers = spec.get("containers") or []
    if len(containers) != 1:
        err(target, o, "expected exactly one container")
    for c in containers:
        sc = c.get("securityContext") or {}
        if sc.get("readOnlyRootFilesystem") is not True:
            err(target, o, f"container {c['name']}: readOnlyRootFilesystem should be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            err(target, o, f"container {c['name']}: allowPrivilegeEscalation should be false")
        if (sc.get("capabilities") or {}).get("drop") != ["ALL"]:
            err(target, o, f"container {c['name']}: capabilities.drop should be [ALL]")
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    err(target, o, f"container {c['name']}: resources.{part}.{r} missing")
        if not c.get("image", "").split("/")[-1].startswith(f"{svc}"):
            err(target, o, f"container {c['name']}: image {c.get('image')} is not the {svc} image")
        cm_refs = [e["configMapRef"]["name"] for e in c.get("envFrom") or [] if "configMapRef" in e]
        if f"{svc}-config" not in cm_refs:
            err(target, o, f"container {c['name']}: envFrom should reference ConfigMap {svc}-config")
        wanted_refs = secret_keys or {f"{svc}-secrets": SECRET_KEYS[svc]}
        refs = [
            (e["name"], e["valueFrom"]["secretKeyRef"].get("name"), e["valueFrom"]["secretKeyRef"].get("key"))
            for e in c.get("env") or []
            if (e.get("valueFrom") or {}).get("secretKeyRef")
        ]
        for secret, keys in wanted_refs.items():
            for key in keys:
                if (key, secret, key) not in refs:
                    err(target, o, f"container {c['name']}: {key} should come from key {key} of Secret {secret}")
        for name, secret, key in refs:
            if key not in wanted_refs.get(secret, ()):
                err(target, o, f"container {c['name']}: {name} comes from {secret}/{key}, which it has no use for")
        for e in c.get("envFrom") or []:
            if "secretRef" in e:
                err(target, o, f"container {c['name']}: envFrom a Secret hands it every key; name each")
        for e in c.get("env") or []:
            if e.get("name") in SECRET_NAMES and "value" in e:
                err(target, o, f"container {c['name']}: {e['name']} has a literal value; secrets come from a Secret")
        # Tokens are checked against the OpenID provider's keys; a shared HS256 secret
        # would let any service mint tokens for the others.
        if any(e.get("name") == "JWT_SECRET" for e in c.get("env") or []):
            err(target, o, f"container {c['name']}: JWT_SECRET is for local development only")
    return containers[0] if containers else {}


def probe_path(c, probe):
    return ((c.get(probe) or {}).get("httpGet") or {}).get("path")


def wanted(target, docs, svc, want):
    got = {}
    for kind, name in want.items():
        o = find(docs, kind, name)
        if o is None:
            err(target, None, f"{svc}: missing {kind}/{name}")
        got[kind] = o
    return got


def no_secrets_in(target, cm):
    for key in sorted(set((cm.get("data") or {})) & SECRET_NAMES):
        err(target, cm, f"{key} is a secret: it belongs in a Secret, never in a ConfigMap")


def check_service(target, docs, svc):
    got = wanted(target, docs, svc, {
        "ServiceAccount": svc, "ConfigMap": f"{svc}-config", "Deployment": svc, "Service": svc,
        "Job": f"{svc}-migrate", "HorizontalPodAutoscaler": svc, "PodDisruptionBudget": svc,
        "NetworkPolicy": svc,
    })

    cm = got["ConfigMap"]
    if cm:
        data = cm.get("data") or {}
        if data.get("AUTH_MODE") != "oidc":
            err(target, cm, "AUTH_MODE should be oidc")
        for key in ("OIDC_ISSUER", "OIDC_AUDIENCE"):
            if not data.get(key):
                err(target, cm, f"{key} missing")
        no_secrets_in(target, cm)

    check_deployment(target, docs, svc, got)
    np = got["NetworkPolicy"]
    if np and not allows_ingress_from(np, {"app.kubernetes.io/name": CONSOLE}, 8080):
        err(target, np, "should let the console's pods in on 8080 (its gateway)")
    job = got["Job"]
    if np and job and not matches(np["spec"]["podSelector"].get("matchLabels"),
                                  job["spec"]["template"]["metadata"].get("labels") or {}):
        err(target, np, "podSelector does not select the migration Job's pods")
    if job:
        # The schema owner's URL and nothing else secret: no broker credentials.
        c = check_pod(target, job, svc, job["spec"]["template"], {f"{svc}-migrate": ("DATABASE_URL",)})
        if c.get("args") != ["migrate"]:
            err(target, job, "the migration Job should run `migrate`")
    return got


def check_deployment(target, docs, svc, got):
    """What a service and the console share: the ServiceAccount, the Deployment's pod,
    probes and hardening, and the Service, PDB, NetworkPolicy and HPA wired to it."""
    sa = got["ServiceAccount"]
    if sa and sa.get("automountServiceAccountToken") is not False:
        err(target, sa, "automountServiceAccountToken should be false")

    dep = got["Deployment"]
    if dep:
        tmpl = dep["spec"]["template"]
        pod_labels = tmpl["metadata"].get("labels") or {}
        if not matches(dep["spec"]["selector"].get("matchLabels"), pod_labels):
            err(target, dep, "selector does not match its pod labels")
        c = check_pod(target, dep, svc, tmpl)
        spec = tmpl["spec"]
        if spec.get("terminationGracePeriodSeconds") != 30:
            err(target, dep, "terminationGracePeriodSeconds should be 30")
        for probe, path in (("startupProbe", "/health/live"), ("livenessProbe", "/health/live"),
                            ("readinessProbe", "/health/ready")):
            if probe_path(c, probe) != path:
                err(target, dep, f"{probe} should GET {path}")
        if not ((c.get("lifecycle") or {}).get("preStop") or {}).get("exec"):
            err(target, dep, "preStop hook (sleep) missing")
        if svc != CONSOLE and c.get("args", ["serve"]) != ["serve"]:
            err(target, dep, "container should run `serve`")
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
        if ports.get("http") != 8080:
            err(target, dep, "container port `http` should be 8080")
        if not ((spec.get("affinity") or {}).get("podAntiAffinity") or {}).get(
                "preferredDuringSchedulingIgnoredDuringExecution"):
            err(target, dep, "preferred podAntiAffinity missing")
        svc_obj = got["Service"]
        if svc_obj:
            if not matches(svc_obj["spec"].get("selector"), pod_labels):
                err(target, svc_obj, "selector does not match the Deployment's pods")
            if "http" not in [p.get("name") for p in svc_obj["spec"].get("ports") or []]:
                err(target, svc_obj, "port `http` missing")
        pdb = got["PodDisruptionBudget"]
        if pdb and not matches(pdb["spec"]["selector"].get("matchLabels"), pod_labels):
            err(target, pdb, "selector does not match the Deployment's pods")
        np = got["NetworkPolicy"]
        if np:
            if not matches(np["spec"]["podSelector"].get("matchLabels"), pod_labels):
                err(target, np, "podSelector does not select the Deployment's pods")
            if sorted(np["spec"].get("policyTypes") or []) != ["Egress", "Ingress"]:
                err(target, np, "policyTypes should be Ingress and Egress")
            if not allows_ingress_from(np, {"app.kubernetes.io/name": "ingress-nginx"}, 8080):
                err(target, np, "should let the ingress controller in on 8080")
        hpa = got["HorizontalPodAutoscaler"]
        if hpa:
            ref = hpa["spec"]["scaleTargetRef"]
            if (ref.get("kind"), ref.get("name")) != ("Deployment", svc):
                err(target, hpa, f"scaleTargetRef should be Deployment/{svc}")


def ports_of(rule):
    return {p.get("port") for p in rule.get("ports") or []}


def selects(peer, labels):
    """Whether a NetworkPolicy peer's podSelector picks pods with `labels`."""
    sel = peer.get("podSelector")
    if sel is None:
        return False
    if not all(labels.get(k) == v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    for e in sel.get("matchExpressions") or []:
        if e.get("operator") != "In" or labels.get(e.get("key")) not in (e.get("values") or []):
            return False
    return bool(sel.get("matchLabels") or sel.get("matchExpressions"))


def allows_ingress_from(np, labels, port):
    return any(port in ports_of(r) and any(selects(p, labels) for p in r.get("from") or [])
               for r in np["spec"].get("ingress") or [])


def allows_egress_to(np, labels, port):
    return any(port in ports_of(r) and any(selects(p, labels) for p in r.get("to") or [])
               for r in np["spec"].get("egress") or [])


def check_console(target, docs):
    svc = CONSOLE
    got = wanted(target, docs, svc, {
        "ServiceAccount": svc, "ConfigMap": f"{svc}-config", "Deployment": svc, "Service": svc,
        "HorizontalPodAutoscaler": svc, "PodDisruptionBudget": svc, "NetworkPolicy": svc,
        "Ingress": svc,
    })
    cm = got["ConfigMap"]
    if cm:
        data = cm.get("data") or {}
        for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_AUDIENCE", "CONSOLE_PUBLIC_URL"):
            if not data.get(key):
                err(target, cm, f"{key} missing")
        for key in ("OIDC_ISSUER", "CONSOLE_PUBLIC_URL"):
            if data.get(key) and not data[key].startswith("https://"):
                err(target, cm, f"{key} should be an https URL, got {data[key]}")
        if data.get("COOKIE_SECURE", "true") != "true":
            err(target, cm, "COOKIE_SECURE should be true (the console is reached over https)")
        for upstream, var in UPSTREAM_VARS.items():
            url = data.get(var, "")
            host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
            if host != upstream or find(docs, "Service", upstream) is None:
                err(target, cm, f"{var} should be http://{upstream} (the Service), got {url!r}")
        no_secrets_in(target, cm)

    check_deployment(target, docs, svc, got)
    dep = got["Deployment"]
    if dep:
        c = (dep["spec"]["template"]["spec"].get("containers") or [{}])[0]
        if c.get("args"):
            err(target, dep, "the console takes no arguments")
    np = got["NetworkPolicy"]
    if np:
        for upstream in SERVICES:
            if not allows_egress_to(np, {"app.kubernetes.io/name": upstream}, 8080):
                err(target, np, f"egress to {upstream} on 8080 (the gateway) missing")
        if not any(443 in ports_of(r) for r in np["spec"].get("egress") or []):
            err(target, np, "egress to the OpenID provider on 443 missing")
        if not allows_egress_to(np, {"k8s-app": "kube-dns"}, 53):
            err(target, np, "egress to cluster DNS missing")
        for r in np["spec"].get("egress") or []:
            if ports_of(r) & {5432, 5672}:
                err(target, np, "the console reaches no database or broker")

    ing = got["Ingress"]
    svc_obj = got["Service"]
    if ing:
        ann = ing["metadata"].get("annotations") or {}
        # Sessions live in one pod's memory: a browser must stay on its pod.
        if ann.get("nginx.ingress.kubernetes.io/affinity") != "cookie":
            err(target, ing, "cookie affinity (sticky sessions) missing")
        paths = [(p, rule) for rule in ing["spec"].get("rules") or []
                 for p in (rule.get("http") or {}).get("paths") or []]
        root = [p for p, _ in paths if p.get("path") == "/" and p.get("pathType") == "Prefix"]
        if len(root) != 1:
            err(target, ing, "should route / (Prefix) to the console")
        for p, _ in paths:
            b = p["backend"]["service"]
            if b["name"] != svc:
                err(target, ing, f"path {p['path']} goes to {b['name']}, not the console")
            elif svc_obj and b["port"].get("name") not in [x.get("name") for x in svc_obj["spec"]["ports"]]:
                err(target, ing, f"backend port {b['port']} not on Service {svc}")
    return got


# The database's and the broker's pods: the NetworkPolicy that guards each, its pods'
# labels and the port the services use.
DEPENDENCY_POLICIES = (
    ("aftersales-pg", {"cnpg.io/cluster": "aftersales-pg"}, 5432),
    ("rabbitmq", {"app.kubernetes.io/name": "rabbitmq"}, 5672),
)


def check_dependency_policy(target, docs, name, pod_labels, port):
    """Only the services (and named operators, peers, Prometheus) reach the database and
    the broker: the console and anything unnamed do not."""
    np = find(docs, "NetworkPolicy", name)
    if np is None:
        err(target, None, f"missing NetworkPolicy/{name} (who may reach those pods)")
        return
    if not matches(np["spec"]["podSelector"].get("matchLabels"), pod_labels):
        err(target, np, f"podSelector should select {pod_labels}")
    if "Ingress" not in (np["spec"].get("policyTypes") or []):
        err(target, np, "policyTypes should include Ingress")
    for svc in SERVICES:
        if not allows_ingress_from(np, {"app.kubernetes.io/name": svc}, port):
            err(target, np, f"should let {svc} in on {port}")
    if allows_ingress_from(np, {"app.kubernetes.io/name": CONSOLE}, port):
        err(target, np, f"the console holds no credentials for these pods: no way in on {port}")
    for rule in np["spec"].get("ingress") or []:
        peers = rule.get("from")
        if not peers or not rule.get("ports"):
            err(target, np, "a rule without `from` or `ports` admits everyone or every port")
        for peer in peers or []:
            sel = peer.get("podSelector") or {}
            if not (sel.get("matchLabels") or sel.get("matchExpressions")):
                err(target, np, f"peer {peer} admits every pod of a namespace or an address range")


def check_broker_users(target, docs):
    """Every service has its own RabbitMQ user, confined to its own queues and routing
    keys (the regexes themselves are generated and tested in shared/messaging)."""
    for svc in SERVICES:
        user = f"aftersales-{svc}"
        for kind in ("User", "Permission", "TopicPermission"):
            o = find(docs, kind, user)
            if o is None:
                err(target, None, f"{svc}: missing {kind}/{user} (k8s/base/dependencies/rabbitmq-topology.yaml)")
                continue
            if kind == "User":
                continue
            if o["spec"].get("userReference", {}).get("name") != user:
                err(target, o, f"{kind} must reference User {user}")
            for right, regex in (o["spec"].get("permissions") or {}).items():
                if right != "exchange" and (".*" in regex or not regex.startswith("^")):
                    err(target, o, f"{right} permission {regex!r} is not confined (anchored, no .*)")


def strings_in(value):
    """Every string anywhere in a document (keys and values)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def check_node_loss(target, docs):
    """What the fault tests prove survivable (docs/failure-modes.md) is what the cluster
    asks for: a commit waits for a synchronous standby, so a promoted standby holds every
    acknowledged commit and every event the relay published from it; the broker keeps a
    majority of every quorum queue's replicas with one node gone."""
    ha = target in HA_TARGETS
    pg = find(docs, "Cluster", "aftersales-pg")
    if pg:
        spec = pg["spec"]
        postgresql = spec.get("postgresql") or {}
        instances = spec.get("instances", 1)
        sync = postgresql.get("synchronous")
        if ha and instances < MIN_PG_INSTANCES:
            err(target, pg, f"instances is {instances}: at least {MIN_PG_INSTANCES} (a primary and "
                            "two standbys) to survive the loss of one with a synchronous standby left")
        if ha and not sync:
            err(target, pg, "spec.postgresql.synchronous missing: with asynchronous replication a "
                            "failover can lose commits whose events were already published")
        if sync:
            if ha and sync.get("method") != "any":
                err(target, pg, "synchronous.method should be `any` (any standby may confirm a commit)")
            if ha and not (isinstance(sync.get("number"), int) and sync["number"] >= 1):
                err(target, pg, "synchronous.number should be at least 1")
            if ha and sync.get("dataDurability") != "required":
                err(target, pg, "synchronous.dataDurability should be `required`: `preferred` goes on "
                                "writing without a standby, unprotected against the next failure")
            if isinstance(sync.get("number"), int) and sync["number"] >= instances:
                err(target, pg, f"synchronous.number {sync['number']} with {instances} instance(s): "
                                "CloudNativePG refuses a number that is not below instances")
        for k in ("minSyncReplicas", "maxSyncReplicas"):
            if k in spec:
                err(target, pg, f"{k} is the deprecated form: use spec.postgresql.synchronous")
    # Anywhere: a parameter, a role or database setting in the bootstrap SQL, a
    # ConfigMap value or an env value (e.g. PGOPTIONS).
    for o in docs:
        for text in strings_in(o.get("spec") or o.get("data") or {}):
            if WEAK_SYNCHRONOUS_COMMIT.search(text):
                err(target, o, f"{text!r} acknowledges commits before a synchronous standby has "
                               "them: synchronous_commit stays `on`")
        if o["kind"] == "Cluster":
            value = ((o["spec"].get("postgresql") or {}).get("parameters") or {}).get("synchronous_commit")
            if value is not None and value not in ("on", "remote_apply"):
                err(target, o, f"synchronous_commit {value!r}: a commit must wait for the synchronous "
                               "standby to flush it (`on`)")

    mq = find(docs, "RabbitmqCluster", "rabbitmq")
    if mq and ha:
        replicas = mq["spec"].get("replicas", 1)
        if replicas < MIN_BROKER_NODES or replicas % 2 == 0:
            err(target, mq, f"replicas is {replicas}: an odd count of at least {MIN_BROKER_NODES}, so "
                            "every quorum queue keeps a majority with one node lost")
        anti = ((mq["spec"].get("affinity") or {}).get("podAntiAffinity") or {})
        terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        if not any(t.get("topologyKey") == "kubernetes.io/hostname" for t in terms):
            err(target, mq, "the broker nodes must each run on their own Kubernetes node (a required "
                            "podAntiAffinity on kubernetes.io/hostname): two on one machine lose the "
                            "majority with it")
    for q in (o for o in docs if o["kind"] == "Queue"):
        if q["spec"].get("type") != "quorum":
            err(target, q, "every queue is a quorum queue (replicated; survives a node)")
        size = (q["spec"].get("arguments") or {}).get("x-quorum-initial-group-size")
        if ha and size is not None and size < MIN_BROKER_NODES:
            err(target, q, f"x-quorum-initial-group-size {size}: fewer replicas than nodes")


def check_target(target, docs):
    for o in docs:
        if o["kind"] == "Secret":
            err(target, o, "a Secret is rendered: secrets are created by the operator, never committed")
    got = {svc: check_service(target, docs, svc) for svc in SERVICES}
    got[CONSOLE] = check_console(target, docs)
    if find(docs, "Job", f"{CONSOLE}-migrate") is not None:
        err(target, None, "the console has no database: no migration Job")

    for kind, name in (("RabbitmqCluster", "rabbitmq"), ("Cluster", "aftersales-pg"), ("Ingress", "aftersales")):
        if find(docs, kind, name) is None:
            err(target, None, f"missing {kind}/{name}")
    check_broker_users(target, docs)
    check_node_loss(target, docs)
    pg = find(docs, "Cluster", "aftersales-pg")
    if pg:
        roles = {r["name"] for r in (pg["spec"].get("managed") or {}).get("roles") or []}
        sql = " ".join(pg["spec"]["bootstrap"]["initdb"].get("postInitApplicationSQL") or [])
        for svc in SERVICES:
            app = f"{svc}_app"
            for role in (svc, app):
                if role not in roles:
                    err(target, pg, f"managed role {role} missing")
            if f"CREATE SCHEMA {svc} AUTHORIZATION {svc}" not in sql:
                err(target, pg, f"schema {svc} is not created AUTHORIZATION {svc}")
            # The service's own role reads and writes the tables its owner creates, no more.
            for grant in (f"GRANT USAGE ON SCHEMA {svc} TO {app}",
                          f"ALTER DEFAULT PRIVILEGES FOR ROLE {svc} IN SCHEMA {svc} GRANT SELECT, "
                          f"INSERT, UPDATE, DELETE ON TABLES TO {app}"):
                if grant not in sql:
                    err(target, pg, f"missing: {grant}")
            for stmt in pg["spec"]["bootstrap"]["initdb"].get("postInitApplicationSQL") or []:
                if stmt.rstrip().endswith(f"TO {app}") and any(
                        w in stmt for w in (" ALL ", "CREATE", "TRUNCATE")):
                    err(target, pg, f"{app} gets more than reading and writing: {stmt}")
    for name, labels, port in DEPENDENCY_POLICIES:
        check_dependency_policy(target, docs, name, labels, port)
    ing = find(docs, "Ingress", "aftersales")
    if ing:
        routed = set()
        for rule in ing["spec"].get("rules") or []:
            for p in (rule.get("http") or {}).get("paths") or []:
                b = p["backend"]["service"]
                routed.add(b["name"])
                s = find(docs, "Service", b["name"])
                if s is None:
                    err(target, ing, f"backend Service {b['name']} does not exist")
                elif b["port"].get("name") not in [x.get("name") for x in s["spec"]["ports"]]:
                    err(target, ing, f"backend port {b['port']} not on Service {b['name']}")
                if not p["path"].startswith(f"/{b['name']}/"):
                    err(target, ing, f"path {p['path']} should start with /{b['name']}/")
        for svc in SERVICES:
            if svc not in routed:
                err(target, ing, f"no route to {svc}")

    expect = OVERLAY_EXPECT.get(target)
    if expect:
        for svc, objs in got.items():
            dep, hpa, cm = objs["Deployment"], objs["HorizontalPodAutoscaler"], objs["ConfigMap"]
            if dep and dep["spec"].get("replicas") != expect["replicas"]:
                err(target, dep, f"replicas should be {expect['replicas']}")
            if hpa and hpa["spec"].get("minReplicas") != expect["hpa_min"]:
                err(target, hpa, f"minReplicas should be {expect['hpa_min']}")
            if cm and cm["data"].get("LOG_FORMAT") != expect["log_format"]:
                err(target, cm, f"LOG_FORMAT should be {expect['log_format']}")
            sm = find(docs, "ServiceMonitor", svc)
            if expect["monitoring"] and sm is None:
                err(target, None, f"ServiceMonitor/{svc} missing")
            if not expect["monitoring"] and sm is not None:
                err(target, sm, "ServiceMonitor not expected in this overlay")
        namespaces = {o["metadata"].get("namespace") for o in docs}
        if None in namespaces or len(namespaces) != 1:
            err(target, None, f"every object should be in the overlay's one namespace, got {namespaces}")


def compare(target, a, b):
    A, B = {oid(o): o for o in a}, {oid(o): o for o in b}
    for k in sorted(set(A) | set(B), key=str):
        if k not in A or k not in B:
            err(target, None, f"render.py and kustomize disagree on the presence of {k}")
        elif A[k] != B[k]:
            err(target, A[k], "render.py renders it differently from kustomize")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out, targets = argv[1], argv[2:]
    vers = versions()
    crds = load_crd_schemas()
    n_docs = n_builtin = n_crd = 0
    for t in targets:
        docs = load(os.path.join(out, f"{t}.yaml"))
        alt = os.path.join(out, f"{t}.render.yaml")
        if os.path.exists(alt):
            compare(t, docs, load(alt))
        check_schemas(t, docs, vers, crds)
        check_target(t, docs)
        n_docs += len(docs)
        c = sum(1 for o in docs if crd_key(o) in crds)
        n_crd += c
        n_builtin += len(docs) - c
        kinds = {}
        for o in docs:
            kinds[o["kind"]] = kinds.get(o["kind"], 0) + 1
        print(f"  {t}: {len(docs)} documents ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
    for e in errors:
        print(e)
    print(f"validated {n_docs} documents for {len(vers)} versions ({vers[0][:-2]}..{vers[-1][:-2]}; "
          f"{n_builtin} built-in against Kubernetes schemas, {n_crd} custom resources against k8s/schemas), "
          f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
