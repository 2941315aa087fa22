#!/usr/bin/env python3
"""A small kustomize renderer for the subset of kustomize this repository uses.

Used by validate.sh where no `kubectl kustomize` / `kustomize` is installed, and
otherwise cross-checked against it. It is not a kustomize: it supports exactly

  Kustomization / Component fields:
    resources   files (one or more YAML documents) and directories holding a
                kustomization.yaml
    components  directories holding a kustomization.yaml of kind Component
    namespace   sets metadata.namespace on every namespaced object
    patches     JSON 6902 patches (inline `patch:` with a list of add/replace/remove
                operations, or `path:` to such a file), selected by `target`
                (kind, name as an anchored regex, labelSelector k=v[,k=v])
    replicas    name + count, on Deployment/StatefulSet/ReplicaSet
    images      name + newName/newTag/digest, on containers and initContainers

and refuses anything else (an unknown field, a strategic-merge patch, a duplicate
object), so that the manifests stay within what it renders faithfully.
Transformers run in kustomize's order: patches, namespace, replicas, images.

Usage: render.py DIR  (prints the rendered documents as YAML to stdout)
"""

import copy
import os
import re
import sys

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ALLOWED_FIELDS = {
    "apiVersion", "kind", "resources", "components", "namespace",
    "patches", "replicas", "images",
}
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "RuntimeClass", "CSIDriver", "VolumeAttachment",
}
REPLICA_KINDS = {"Deployment", "StatefulSet", "ReplicaSet"}


class RenderError(Exception):
    pass


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def kustomization_file(directory):
    for name in KUSTOMIZATION_FILES:
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    raise RenderError(f"{directory}: no kustomization.yaml")


def object_id(obj):
    md = obj.get("metadata") or {}
    return (obj.get("apiVersion"), obj.get("kind"), md.get("namespace"), md.get("name"))


def add_objects(acc, objs, where):
    seen = {object_id(o) for o in acc}
    for o in objs:
        oid = object_id(o)
        if oid in seen:
            raise RenderError(f"{where}: duplicate object {oid}")
        seen.add(oid)
        acc.append(o)


def build(directory, expect_kind="Kustomization", acc=None):
    """Renders `directory`. A Component transforms `acc` (its parent's objects)."""
    kfile = kustomization_file(directory)
    docs = load_docs(kfile)
    if len(docs) != 1:
        raise RenderError(f"{kfile}: expected one document")
    k = docs[0]
    kind = k.get("kind", "Kustomization")
    if kind != expect_kind:
        raise RenderError(f"{kfile}: kind {kind}, expected {expect_kind}")
    unknown = set(k) - ALLOWED_FIELDS
    if unknown:
        raise RenderError(f"{kfile}: unsupported fields {sorted(unknown)}")

    objs = acc if acc is not None else []
    for res in k.get("resources") or []:
        p = os.path.normpath(os.path.join(directory, res))
        if os.path.isdir(p):
            add_objects(objs, build(p), p)
        elif os.path.isfile(p):
            add_objects(objs, [copy.deepcopy(d) for d in load_docs(p)], p)
        else:
            raise RenderError(f"{kfile}: resource {res} not found (remote resources are not supported)")
    for comp in k.get("components") or []:
        p = os.path.normpath(os.path.join(directory, comp))
        if not os.path.isdir(p):
            raise RenderError(f"{kfile}: component {comp} is not a directory")
        objs = build(p, expect_kind="Component", acc=objs)

    for patch in k.get("patches") or []:
        apply_patch(objs, patch, directory, kfile)
    if "namespace" in k:
        for o in objs:
            if o.get("kind") not in CLUSTER_SCOPED:
                o.setdefault("metadata", {})["namespace"] = k["namespace"]
    for r in k.get("replicas") or []:
        apply_replicas(objs, r, kfile)
    for img in k.get("images") or []:
        apply_image(objs, img, kfile)
    return objs


# ---------------------------------------------------------------- patches

def selects(target, obj):
    unknown = set(target) - {"kind", "name", "labelSelector", "group", "version"}
    if unknown:
        raise RenderError(f"unsupported patch target fields {sorted(unknown)}")
    md = obj.get("metadata") or {}
    group, _, version = (obj.get("apiVersion") or "").rpartition("/")
    if "kind" in target and target["kind"] != obj.get("kind"):
        return False
    if "group" in target and target["group"] != group:
        return False
    if "version" in target and target["version"] != version:
        return False
    if "name" in target and not re.fullmatch(target["name"], md.get("name", "")):
        return False
    if "labelSelector" in target:
        labels = md.get("labels") or {}
        for term in target["labelSelector"].split(","):
            key, sep, value = term.strip().partition("=")
            if not sep or key.endswith("!"):
                raise RenderError(f"unsupported labelSelector term {term!r}: only k=v")
            if labels.get(key) != value.lstrip("="):
                return False
    return True


def apply_patch(objs, patch, directory, kfile):
    unknown = set(patch) - {"target", "patch", "path"}
    if unknown:
        raise RenderError(f"{kfile}: unsupported patch fields {sorted(unknown)}")
    if "target" not in patch:
        raise RenderError(f"{kfile}: every patch needs a target (strategic merge is not supported)")
    if "path" in patch:
        with open(os.path.join(directory, patch["path"])) as f:
            text = f.read()
    else:
        text = patch.get("patch", "")
    ops = yaml.safe_load(text)
    if not isinstance(ops, list):
        raise RenderError(f"{kfile}: only JSON 6902 patches (a list of operations) are supported")
    matched = [o for o in objs if selects(patch["target"], o)]
    if not matched:
        raise RenderError(f"{kfile}: patch target {patch['target']} selects nothing")
    for o in matched:
        for op in ops:
            json6902(o, op, kfile)


def pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise RenderError(f"bad JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json6902(doc, op, kfile):
    kind, path = op.get("op"), pointer(op.get("path", ""))
    if kind not in ("add", "replace", "remove") or not path:
        raise RenderError(f"{kfile}: unsupported operation {op}")
    parent = doc
    for key in path[:-1]:
        try:
            parent = parent[int(key)] if isinstance(parent, list) else parent[key]
        except (KeyError, IndexError, ValueError):
            raise RenderError(f"{kfile}: path {op['path']} not found in {object_id(doc)}")
    last = path[-1]
    value = copy.deepcopy(op.get("value"))
    if isinstance(parent, list):
        if last == "-" and kind == "add":
            parent.append(value)
            return
        try:
            i = int(last)
        except ValueError:
            raise RenderError(f"{kfile}: bad list index in {op['path']}")
        if not 0 <= i < len(parent) + (kind == "add"):
            raise RenderError(f"{kfile}: index out of range in {op['path']} of {object_id(doc)}")
        if kind == "add":
            parent.insert(i, value)
        elif kind == "replace":
            parent[i] = value
        else:
            del parent[i]
    elif isinstance(parent, dict):
        if kind in ("replace", "remove") and last not in parent:
            raise RenderError(f"{kfile}: path {op['path']} not found in {object_id(doc)}")
        if kind == "remove":
            del parent[last]
        else:
            parent[last] = value
    else:
        raise RenderError(f"{kfile}: path {op['path']} does not lead into an object or list")


# ---------------------------------------------------------------- replicas, images

def apply_replicas(objs, r, kfile):
    if set(r) - {"name", "count"}:
        raise RenderError(f"{kfile}: unsupported replicas fields {sorted(set(r) - {'name', 'count'})}")
    hits = [o for o in objs if o.get("kind") in REPLICA_KINDS and o["metadata"].get("name") == r["name"]]
    if not hits:
        raise RenderError(f"{kfile}: replicas: no workload named {r['name']}")
    for o in hits:
        o.setdefault("spec", {})["replicas"] = r["count"]


def split_image(image):
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    name, tag = image, None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        name, tag = image[:colon], image[colon + 1:]
    return name, tag, digest


def pod_specs(obj):
    spec = obj.get("spec") or {}
    if "containers" in spec:
        yield spec
    tmpl = (spec.get("template") or {}).get("spec")
    if tmpl:
        yield tmpl
    job = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec")
    if job:
        yield job


def apply_image(objs, img, kfile):
    unknown = set(img) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise RenderError(f"{kfile}: unsupported images fields {sorted(unknown)}")
    for o in objs:
        for ps in pod_specs(o):
            for c in (ps.get("containers") or []) + (ps.get("initContainers") or []):
                name, tag, digest = split_image(c.get("image", ""))
                if name != img["name"]:
                    continue
                name = img.get("newName", name)
                if "digest" in img:
                    c["image"] = f"{name}@{img['digest']}"
                    continue
                tag = img.get("newTag", tag)
                c["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest and "newTag" not in img else "")


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        objs = build(argv[1])
    except RenderError as e:
        print(f"render.py: {e}", file=sys.stderr)
        return 1
    yaml.safe_dump_all(objs, sys.stdout, sort_keys=True, default_flow_style=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
