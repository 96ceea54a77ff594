#!/usr/bin/env bash
# Done means: every manifest in k8s/ is a valid Kubernetes object by the API's
# own schema, with no unknown field and no wrong type (checked offline, see
# ship_k8s.mjs); the validator is shown to bite on copies with an unknown
# field, a wrong type and a missing kustomize resource; the settings in the
# manifests are ones oomsentry accepts; the init container copies exactly the
# files the app preloads; and every YAML block in README.md is byte for byte a
# file of k8s/, so the README shows only YAML this test validated.
source "$(dirname "$0")/lib.sh"

K8S=$top_srcdir/k8s
SHIP=${SHIP:-$top_builddir/src/oomsentry-ship}
command -v node >/dev/null || missing_prerequisite "node (apt-get install nodejs npm)"

source "$(dirname "$0")/k8s_modules.sh"
validate() { node "$top_srcdir/tests/e2e/ship_k8s.mjs" "$MODULES" "$@"; }

# 1. Every manifest validates.
manifests=("$K8S"/*.yaml)
[ ${#manifests[@]} -ge 4 ] || fail "expected pod, configmap, deployment and kustomization in k8s/"
validate "${manifests[@]}" >"$WORK/valid.log" 2>&1 || fail "k8s/ does not validate: $(cat "$WORK/valid.log")"
for what in "Pod/app-with-oomsentry" "Pod/app-with-oomsentry-baseline" "Pod/app-with-oomsentry-restricted" \
	"Pod/java-app-with-oomsentry" "Deployment/app" "ConfigMap/oomsentry-config" "Kustomization/-" "PodMonitor/oomsentry"; do
	grep -q "^valid .* $what\$" "$WORK/valid.log" || fail "no valid $what in k8s/"
done
pass "$(wc -l <"$WORK/valid.log") documents in k8s/ are valid"

# 2. The validator bites: each broken copy must be rejected, for its reason.
reject() { # NAME SED_EXPRESSION SOURCE EXPECTED_MESSAGE
	sed "$2" "$K8S/$3" >"$WORK/$1.yaml"
	cmp -s "$K8S/$3" "$WORK/$1.yaml" && fail "negative case $1 did not change $3"
	if validate "$WORK/$1.yaml" >"$WORK/$1.log" 2>&1; then
		fail "the validator accepted $1: $(cat "$WORK/$1.log")"
	fi
	grep -q "$4" "$WORK/$1.log" || fail "$1 rejected for another reason: $(cat "$WORK/$1.log")"
}
reject unknown-field 's/shareProcessNamespace: true/shareProcessNamespaces: true/' deployment.yaml \
	'shareProcessNamespaces: unknown field'
reject unknown-nested 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' pod.yaml \
	'readOnlyRootFileSystem: unknown field'
reject wrong-type 's/runAsUser: 0/runAsUser: "0"/' pod.yaml 'runAsUser must be integer'
reject wrong-quantity 's/memory: 512Mi/memory: 512 MiB/' pod.yaml 'memory must match'
cp "$K8S/configmap.yaml" "$K8S/deployment.yaml" "$WORK/"
reject missing-resource 's/- deployment.yaml/- deployment-missing.yaml/' kustomization.yaml 'does not exist'
reject podmonitor-field 's/podMetricsEndpoints:/podMetricEndpoints:/' podmonitor.yaml 'podMetricEndpoints: unknown field'
reject podmonitor-duration 's/interval: 15s/interval: 15 s/' podmonitor.yaml 'interval must match'
pass "the validator rejects an unknown field, a wrong type, a bad quantity, a missing resource and a bad PodMonitor"

# 3. What the manifests say, read with the same YAML parser.
node --input-type=module -e '
const YAML = await import(process.argv[1] + "/yaml/dist/index.js");
const fs = await import("node:fs");
const k8s = process.argv[2];
const pod = YAML.parse(fs.readFileSync(k8s + "/pod.yaml", "utf8"));
const dep = YAML.parse(fs.readFileSync(k8s + "/deployment.yaml", "utf8"));
const cm = YAML.parse(fs.readFileSync(k8s + "/configmap.yaml", "utf8"));
// The sidecar of every manifest is a native sidecar: an init container
// that keeps running (restartPolicy: Always), found by its name.
const sidecar = (spec, file) => {
	const c = (spec.initContainers || []).find((c) => c.name === "oomsentry");
	if (!c || c.restartPolicy !== "Always") throw new Error(`${file}: no native sidecar named oomsentry`);
	if ((spec.containers || []).some((c) => c.name === "oomsentry")) throw new Error(`${file}: oomsentry among the containers`);
	return c;
};
const side = sidecar(pod.spec, "pod.yaml");
for (const e of side.env) console.log(`podenv ${e.name}=${e.value}`);
for (const f of ["pod-baseline.yaml", "pod-restricted.yaml"]) {
	const v = YAML.parse(fs.readFileSync(k8s + "/" + f, "utf8"));
	const env = sidecar(v.spec, f).env.map((e) => `${e.name}=${e.value}`).join(" ");
	const same = JSON.stringify(sidecar(v.spec, f).env) === JSON.stringify(side.env);
	console.log(`variantenv ${f} ${same ? "same" : "differs"} ${env}`);
}
const java = YAML.parse(fs.readFileSync(k8s + "/java.yaml", "utf8"));
const jside = sidecar(java.spec, "java.yaml");
for (const e of jside.env) console.log(`javaenv ${e.name}=${e.value}`);
const japp = java.spec.containers.find((c) => c.name === "app");
const mounts = (c) => Object.fromEntries(c.volumeMounts.map((m) => [m.name, m.mountPath]));
console.log(`javadumps ${mounts(jside).dumps} ${mounts(japp).dumps}`);
fs.writeFileSync(process.argv[3] + "/oomsentry.ini", cm.data["oomsentry.ini"]);
const spec = dep.spec.template.spec;
const init = spec.initContainers[0];
const app = spec.containers.find((c) => c.name === "app");
const mount = init.volumeMounts[0].mountPath;
for (const f of init.command.slice(2)) console.log(`copied ${mount}/${f.split("/").pop()}`);
const env = Object.fromEntries(app.env.map((e) => [e.name, e.value]));
for (const f of env.LD_PRELOAD.split(" ")) console.log(`preloaded ${f}`);
for (const n of Object.keys(env)) if (n.startsWith("OOMSENTRY_")) console.log(`libenv ${n}`);
const dside = sidecar(spec, "deployment.yaml");
const cfg = dside.env.find((e) => e.name === "CONFIG").value;
const cfgMount = dside.volumeMounts[0].mountPath;
console.log(`config ${cfg} ${cfgMount}`);
const vol = spec.volumes.find((v) => v.configMap);
console.log(`configmap ${vol.configMap.name} ${cm.metadata.name}`);
// The shipper: a native sidecar too, credentials only from a Secret.
const ship = spec.initContainers.find((c) => c.name === "oomsentry-ship");
if (!ship || ship.restartPolicy !== "Always") throw new Error("deployment.yaml: no native sidecar named oomsentry-ship");
for (const e of ship.env) {
	if (e.value !== undefined) console.log(`shipenv ${e.name}=${e.value}`);
	else console.log(`shipfield ${e.name} ${e.valueFrom.fieldRef.fieldPath}`);
}
for (const f of ship.envFrom || []) console.log(`shipsecret ${f.secretRef.name}`);
const sc = ship.securityContext;
console.log(`shipsec ${sc.runAsNonRoot} ${sc.runAsUser} ${JSON.stringify(sc.capabilities)} ${sc.allowPrivilegeEscalation} ${sc.readOnlyRootFilesystem}`);
const dumpsOf = (c) => (c.volumeMounts.find((m) => m.name === "dumps") || {}).mountPath;
const envOf = (c, n) => (c.env.find((e) => e.name === n) || {}).value;
console.log(`dumpdirs ${dumpsOf(ship)} ${envOf(ship, "DUMP_DIR")} ${dumpsOf(dside)} ${envOf(dside, "DUMP_DIR")} ${dumpsOf(app)} ${env.OOMSENTRY_DUMP_DIR}`);
console.log(`fsgroup ${(spec.securityContext || {}).fsGroup}`);
' "$MODULES" "$K8S" "$WORK" >"$WORK/facts.log" 2>&1 || fail "cannot read the manifests: $(cat "$WORK/facts.log")"

mapfile -t podenv < <(sed -n 's/^podenv //p' "$WORK/facts.log")
env -i "${podenv[@]}" "$OOMSENTRY" --print-config >"$WORK/podenv.log" 2>&1 ||
	fail "oomsentry rejects pod.yaml's settings: $(cat "$WORK/podenv.log")"
# The Pod Security variants are pod.yaml with another securityContext.
while read -r _ f same _; do
	[ "$same" = same ] || fail "$f's sidecar settings differ from pod.yaml's"
done < <(grep '^variantenv ' "$WORK/facts.log")
[ "$(grep -c '^variantenv ' "$WORK/facts.log")" = 2 ] || fail "the Pod Security variants were not read"
mapfile -t javaenv < <(sed -n 's/^javaenv //p' "$WORK/facts.log")
env -i "${javaenv[@]}" "$OOMSENTRY" --print-config >"$WORK/javaenv.log" 2>&1 ||
	fail "oomsentry rejects java.yaml's settings: $(cat "$WORK/javaenv.log")"
# The heap dump is written by the JVM at JVM_HEAP_DUMP_DIR as the app sees it:
# the dumps volume must be mounted there in the app, and DUMP_DIR in the sidecar.
read -r _ side_dumps app_dumps < <(grep '^javadumps ' "$WORK/facts.log")
grep -qx "dump_dir = $side_dumps" "$WORK/javaenv.log" || fail "java.yaml: DUMP_DIR is not the sidecar's dumps mount $side_dumps"
grep -qx "jvm_heap_dump_dir = $app_dumps" "$WORK/javaenv.log" || fail "java.yaml: JVM_HEAP_DUMP_DIR is not the app's dumps mount $app_dumps"
env -i "$OOMSENTRY" --config "$WORK/oomsentry.ini" --print-config >"$WORK/ini.log" 2>&1 ||
	fail "oomsentry rejects configmap.yaml's oomsentry.ini: $(cat "$WORK/ini.log")"
diff <(sed -n 's/^copied //p' "$WORK/facts.log" | sort) <(sed -n 's/^preloaded //p' "$WORK/facts.log" | sort) ||
	fail "the init container copies other files than the app preloads"
while read -r _ name; do
	grep -q "\"$name\"" "$top_srcdir/src/handler/options.c" || fail "deployment.yaml sets $name, which liboomsentry does not read"
done < <(grep '^libenv ' "$WORK/facts.log")
read -r _ cfg mnt < <(grep '^config ' "$WORK/facts.log")
[ "${cfg%/*}" = "$mnt" ] || fail "CONFIG=$cfg is not in the ConfigMap's mount $mnt"
read -r _ a b < <(grep '^configmap ' "$WORK/facts.log")
[ "$a" = "$b" ] || fail "the deployment mounts ConfigMap $a, configmap.yaml defines $b"
# The shipper's settings, with made-up credentials where the Secret goes and
# the Downward API's values where the manifest asks for them.
mapfile -t shipenv < <(sed -n 's/^shipenv //p' "$WORK/facts.log")
env -i "${shipenv[@]}" AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=example AWS_REGION=eu-west-1 \
	POD_NAMESPACE=default POD_NAME=app-1 "$SHIP" --print-config >"$WORK/shipenv.log" 2>&1 ||
	fail "oomsentry-ship rejects deployment.yaml's settings: $(cat "$WORK/shipenv.log")"
[ "$(sed -n 's/^shipfield //p' "$WORK/facts.log" | sort | tr '\n' ' ')" = "POD_NAME metadata.name POD_NAMESPACE metadata.namespace " ] ||
	fail "the shipper does not take POD_NAMESPACE and POD_NAME from the Downward API"
grep -q '^shipsecret ' "$WORK/facts.log" || fail "the shipper's credentials are not from a Secret"
grep -E '^shipenv AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=' "$WORK/facts.log" && fail "deployment.yaml writes a credential in clear"
read -r _ nonroot uid caps ape rofs < <(grep '^shipsec ' "$WORK/facts.log")
[ "$nonroot $ape $rofs $caps" = 'true false true {"drop":["ALL"]}' ] && [ "$uid" -gt 0 ] ||
	fail "the shipper's securityContext: runAsNonRoot=$nonroot uid=$uid capabilities=$caps allowPrivilegeEscalation=$ape readOnlyRootFilesystem=$rofs"
read -r _ ship_mnt ship_dir side_mnt side_dir app_mnt app_dir < <(grep '^dumpdirs ' "$WORK/facts.log")
[ "$ship_mnt" = "$ship_dir" ] && [ "$side_mnt" = "$side_dir" ] && [ "$ship_mnt" = "$app_mnt" ] &&
	[[ $app_dir == "$app_mnt"/* ]] ||
	fail "the dumps volume: shipper $ship_mnt (DUMP_DIR $ship_dir), sidecar $side_mnt ($side_dir), app $app_mnt (OOMSENTRY_DUMP_DIR $app_dir)"
read -r _ fsgroup < <(grep '^fsgroup ' "$WORK/facts.log")
[ "$fsgroup" -gt 0 ] 2>/dev/null || fail "deployment.yaml has no fsGroup: the shipper could not read the app's dumps"
pass "oomsentry accepts the manifests' settings; the preloaded files are the copied ones"
pass "the shipper: a native sidecar, credentials from a Secret, non-root without capabilities, on the dumps volume the app and sidecar write (fsGroup $fsgroup); oomsentry-ship accepts its settings"

# 4. README.md's YAML is k8s/'s YAML: every yaml block equals a file of k8s/,
# and every file of k8s/ is shown under the Kubernetes or Pod Security
# levels heading.
awk -v dir="$WORK/readme" '
	/^## / { section = ($0 == "## Kubernetes" || $0 == "## Pod Security levels") }
	/^```yaml$/ { n++; inside = 1; f = sprintf("%s/%s-%02d.yaml", dir, section ? "k8s" : "other", n); printf "" >f; next }
	/^```$/ && inside { inside = 0; close(f); next }
	inside { print >>f }
' < <(mkdir -p "$WORK/readme"; cat "$top_srcdir/README.md")
ls "$WORK"/readme/k8s-*.yaml >/dev/null 2>&1 || fail "README.md has no yaml block under \"## Kubernetes\" or \"## Pod Security levels\""
for block in "$WORK"/readme/*.yaml; do
	match=
	for f in "${manifests[@]}"; do
		cmp -s "$block" "$f" && match=$f && break
	done
	[ -n "$match" ] || fail "a yaml block of README.md is no file of k8s/: $(head -n 3 "$block")"
done
for f in "${manifests[@]}"; do
	shown=
	for block in "$WORK"/readme/k8s-*.yaml; do
		cmp -s "$block" "$f" && shown=1 && break
	done
	[ -n "$shown" ] || fail "README.md's Kubernetes and Pod Security sections do not show $(basename "$f")"
done
pass "README.md shows k8s/*.yaml verbatim, and no other YAML"

# 5. The Pod Security Standards checker (ship_pss.mjs) answers as each fixture
# of tests/fixtures/pss/ says in its leading comments, one line per level:
# "# expect baseline: ok" or "# expect restricted: violates Capabilities,
# Capabilities (v1.22+)" (the controls compared as a set). Every control of
# the checker's table must be shown to bite on some fixture.
pss() { node "$top_srcdir/tests/e2e/ship_pss.mjs" "$MODULES" "$@"; }
pss_fixtures=("$top_srcdir"/tests/fixtures/pss/*.yaml)
[ ${#pss_fixtures[@]} -ge 10 ] || fail "expected the fixtures of tests/fixtures/pss/"
pss_checked=0 pss_bitten=
for f in "${pss_fixtures[@]}"; do
	name=$(basename "$f" .yaml)
	expectations=$(sed -n '/^#/!q; s/^# expect \([a-z]*: .*\)$/\1/p' "$f")
	[ -n "$expectations" ] || fail "pss/$name.yaml has no leading \"# expect LEVEL: ...\" line"
	while IFS= read -r e; do
		level=${e%%: *} want=${e#*: }
		log=$WORK/pss-$name-$level.log
		rc=0
		# Run from the fixture's directory: its name, with no space, is FILE.
		(cd "$(dirname "$f")" && pss "$level" "$name.yaml") >"$log" 2>&1 || rc=$?
		if [ "$want" = ok ]; then
			if [ $rc -ne 0 ] || ! grep -q '^ok ' "$log" || grep -qv '^ok ' "$log"; then
				fail "pss/$name.yaml at $level: expected ok, got (exit $rc) $(cat "$log")"
			fi
		else
			[ $rc -eq 1 ] || fail "pss/$name.yaml at $level: expected exit 1, got $rc: $(cat "$log")"
			# violates LEVEL FILE KIND/NAME: CONTROL: detail (...); CONTROL: ...
			got=$(sed -n 's/^violates [^ ]* [^ ]* [^ ]*: //p' "$log" | sed 's/; /\n/g' | sed 's/: .*//' | sort -u)
			want=${want#violates }
			expected=$(sort -u <<<"${want//, /$'\n'}")
			[ "$got" = "$expected" ] ||
				fail "pss/$name.yaml at $level: expected violations of [$want], got: $(cat "$log")"
			pss_bitten+=$expected$'\n'
		fi
		pss_checked=$((pss_checked + 1))
	done <<<"$expectations"
done
while IFS= read -r control; do
	grep -qxF "$control" <<<"$pss_bitten" || fail "no fixture of tests/fixtures/pss/ violates the control \"$control\""
done < <(sed -n 's/^\t\tcontrol: "\(.*\)",$/\1/p' "$top_srcdir/tests/e2e/ship_pss.mjs")
[ "$(sed -n 's/^\t\tcontrol: "\(.*\)",$/\1/p' "$top_srcdir/tests/e2e/ship_pss.mjs" | wc -l)" -ge 18 ] ||
	fail "ship_pss.mjs's table has fewer controls than the page (12 Baseline, 6 Restricted)"
# The privileged level has no controls; a wrong level is a usage error.
pss privileged "$top_srcdir/tests/fixtures/pss/host-path.yaml" >"$WORK/pss-privileged.log" 2>&1 ||
	fail "the privileged level refused a pod: $(cat "$WORK/pss-privileged.log")"
rc=0
pss strict "$top_srcdir/tests/fixtures/pss/restricted-ok.yaml" >"$WORK/pss-usage.log" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "ship_pss.mjs took an unknown level (exit $rc)"
pass "the Pod Security Standards checker meets $pss_checked expectations of ${#pss_fixtures[@]} fixtures"

# 6. Each manifest meets the Pod Security level its head declares ("# Pod
# Security level: X."), and no stricter one: the declared level is the one
# a namespace must allow. README.md's table says what each level reaches.
declared=0
for f in "$K8S"/*.yaml; do
	level=$(sed -n 's/^# Pod Security level: \([a-z]*\)\..*/\1/p' "$f")
	grep -q '^kind: \(Pod\|Deployment\)$' "$f" || continue
	[ -n "$level" ] || fail "$(basename "$f") declares no Pod Security level"
	case $level in
	restricted) ok=restricted stricter= ;;
	baseline) ok=baseline stricter=restricted ;;
	privileged) ok= stricter=baseline ;;
	*) fail "$(basename "$f"): unknown Pod Security level $level" ;;
	esac
	if [ -n "$ok" ]; then
		pss "$ok" "$f" >"$WORK/level.log" 2>&1 || fail "$(basename "$f") does not meet $ok: $(cat "$WORK/level.log")"
	fi
	if [ -n "$stricter" ] && pss "$stricter" "$f" >"$WORK/level.log" 2>&1; then
		fail "$(basename "$f") declares $level but meets $stricter"
	fi
	declared=$((declared + 1))
done
[ "$declared" -ge 5 ] || fail "only $declared manifests declare a Pod Security level"
for level in restricted baseline privileged; do
	grep -q "^# Pod Security level: $level\." "$K8S"/*.yaml || fail "no manifest of k8s/ for the $level level"
done
pass "$declared manifests meet the Pod Security level they declare, and no stricter one"
