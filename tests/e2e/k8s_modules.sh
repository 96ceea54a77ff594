# shellcheck shell=bash
# Sourced by the manifest tests (ship_k8s.sh, metrics_k8s.sh) after lib.sh:
# the packages of the offline Kubernetes validator and YAML parser, pinned,
# in a cache outside the source tree. The first run needs the npm registry,
# later runs are offline. Sets MODULES to their node_modules.
NPM_CACHE=${OOMSENTRY_NPM_CACHE:-/var/cache/oomsentry-tests/npm}
NPM_PACKAGES=(kubernetes-models@5.1.0 @kubernetes/client-node@1.4.0 yaml@2.9.1)
have_packages() {
	local p name version
	for p in "${NPM_PACKAGES[@]}"; do
		name=${p%@*} version=${p##*@}
		grep -q "\"version\": \"$version\"" "$1/node_modules/$name/package.json" 2>/dev/null || return 1
	done
}
if ! have_packages "$NPM_CACHE"; then
	command -v npm >/dev/null || missing_prerequisite "npm (apt-get install npm)"
	mkdir -p "$(dirname "$NPM_CACHE")" || missing_prerequisite "cannot create $(dirname "$NPM_CACHE")"
	# Install beside the cache and rename, so an interrupted install never
	# leaves a cache that looks complete.
	tmp=$(mktemp -d "$NPM_CACHE.new.XXXXXX")
	npm install --no-audit --no-fund --silent --prefix "$tmp" "${NPM_PACKAGES[@]}" >"$WORK/npm.log" 2>&1 ||
		{ rm -rf "$tmp"; missing_prerequisite "npm install ${NPM_PACKAGES[*]} failed (no registry?)"; }
	rm -rf "$NPM_CACHE" && mv "$tmp" "$NPM_CACHE" || fail "cannot move the npm packages into $NPM_CACHE"
fi
MODULES=$NPM_CACHE/node_modules
