#!/usr/bin/env bash
# Validates the Kubernetes manifests offline: renders k8s/base and every overlay,
# then checks every document (k8s/validate.py says what is checked).
#
#   bash k8s/validate.sh            # exit 0 only if there is no error
#
# Renders with `kustomize build` or `kubectl kustomize` where one is installed, and
# always with k8s/render.py too (the two must agree); with neither installed,
# render.py's output is what gets validated. Rendered documents are written to
# $K8S_RENDER_DIR (default: $TMPDIR/aftersales-k8s-rendered, replaced on every run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
started=$SECONDS

if ! "$py" -c 'import kubernetes_validate, yaml, jsonschema' 2>/dev/null; then
    echo "installing kubernetes-validate and pyyaml (pip)"
    "$py" -m pip install --quiet --disable-pip-version-check kubernetes-validate pyyaml 2>/dev/null \
        || "$py" -m pip install --quiet --disable-pip-version-check --user --break-system-packages \
            kubernetes-validate pyyaml
fi

out="${K8S_RENDER_DIR:-${TMPDIR:-/tmp}/aftersales-k8s-rendered}"
mkdir -p "$out"
rm -f "$out"/*.yaml

kustomize=()
if command -v kustomize >/dev/null 2>&1; then
    kustomize=(kustomize build)
elif command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
    kustomize=(kubectl kustomize)
fi

targets=(base dev prod)
for t in "${targets[@]}"; do
    case "$t" in
        base) dir="$here/base" ;;
        *) dir="$here/overlays/$t" ;;
    esac
    if [ ${#kustomize[@]} -gt 0 ]; then
        "${kustomize[@]}" "$dir" >"$out/$t.yaml"
        "$py" "$here/render.py" "$dir" >"$out/$t.render.yaml"
    else
        "$py" "$here/render.py" "$dir" >"$out/$t.yaml"
    fi
done

if [ ${#kustomize[@]} -gt 0 ]; then
    echo "rendered with '${kustomize[*]}' and k8s/render.py into $out"
else
    echo "rendered with k8s/render.py (no kustomize or kubectl found) into $out"
fi

status=0
"$py" "$here/validate.py" "$out" "${targets[@]}" || status=$?
echo "k8s/validate.sh: $((SECONDS - started)) s"
exit "$status"
