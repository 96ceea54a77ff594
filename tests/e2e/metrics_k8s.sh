#!/usr/bin/env bash
# Done means: k8s/grafana-dashboard.json is a Grafana dashboard that asks
# only for metrics the sidecar serves (the names below, with the labels they
# carry), from the data source chosen at import; the checker is shown to
# bite on copies with a misspelt metric and a misspelt label; the names
# below are exactly those a running sidecar declares at /metrics;
# podmonitor.yaml selects the deployment's pods and scrapes the port and
# path the pod's annotations name, and stays out of the kustomization;
# oomsentry accepts the deployment's METRICS_ADDR, on the port the pod
# declares; and `kubectl kustomize k8s/` renders a sidecar with that port,
# an HTTP liveness probe on /healthz and the prometheus.io annotations.
source "$(dirname "$0")/lib.sh"

K8S=$top_srcdir/k8s
DASHBOARD=$K8S/grafana-dashboard.json
command -v node >/dev/null || missing_prerequisite "node (apt-get install nodejs npm)"

# The metric names the sidecar serves at /metrics (README.md, Metrics), and
# the labels its series carry, plus the ones Prometheus adds to every target.
# The sidecar itself is asked below whether the names are still its own.
METRICS=(
	oomsentry_container_memory_usage_bytes
	oomsentry_container_memory_working_set_bytes
	oomsentry_container_spec_memory_limit_bytes
	oomsentry_container_memory_warning_threshold_bytes
	oomsentry_container_memory_critical_threshold_bytes
	oomsentry_container_memory_level
	oomsentry_container_processes
	oomsentry_container_signals_sent_total
	oomsentry_container_signals_skipped_total
	oomsentry_container_actions_total
	oomsentry_container_dumps_total
	oomsentry_container_oom_kills_total
	oomsentry_container_read_errors_total
	oomsentry_cgroup_reads_total
	oomsentry_signals_sent_total
	oomsentry_oom_kills_total
	oomsentry_containers
	oomsentry_processes
	oomsentry_flight_recorder_bytes
	oomsentry_build_info
	process_cpu_seconds_total
	process_resident_memory_bytes
	process_virtual_memory_bytes
	process_open_fds
	process_max_fds
	process_start_time_seconds
	oomsentry_http_accepted_total
	oomsentry_http_refused_total
	oomsentry_http_evicted_total
	oomsentry_http_timed_out_total
	oomsentry_http_bad_requests_total
	oomsentry_http_replies_total
	oomsentry_http_render_failures_total
	oomsentry_http_accept_errors_total
	oomsentry_http_connections
	oomsentry_http_connections_peak
)
LABELS=(cgroup comm runtime level reason action version job instance)
# What the dashboard is for: each of these must be on it.
WANTED=(
	oomsentry_container_memory_working_set_bytes
	oomsentry_container_spec_memory_limit_bytes
	oomsentry_container_memory_warning_threshold_bytes
	oomsentry_container_memory_critical_threshold_bytes
	oomsentry_container_memory_level
	oomsentry_signals_sent_total
	oomsentry_container_signals_skipped_total
	oomsentry_oom_kills_total
	oomsentry_container_actions_total
	oomsentry_container_dumps_total
	process_cpu_seconds_total
	process_resident_memory_bytes
	oomsentry_cgroup_reads_total
	oomsentry_http_replies_total
)

# ship_k8s.sh's YAML parser.
source "$(dirname "$0")/k8s_modules.sh"

# dashboard_facts FILE: checks the dashboard's shape and prints what its
# queries ask for, one "metric NAME" or "label NAME" line each. Metric names
# are what is left of a PromQL expression once strings, label matchers,
# ranges, label lists (by, on, ...), numbers and keywords are gone, and is
# not followed by "(" (a function or an aggregation); labels are those of
# the label lists, the matchers and the legends.
dashboard_facts() {
	node --input-type=module -e '
const fs = await import("node:fs");
const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const errors = [];
const out = new Set();
if (d.uid !== "oomsentry") errors.push(`uid ${d.uid}, not oomsentry`);
if (d.title !== "oomsentry") errors.push(`title ${d.title}, not oomsentry`);
if (typeof d.schemaVersion !== "number" || d.schemaVersion < 36) errors.push(`schemaVersion ${d.schemaVersion}`);
const vars = (d.templating && d.templating.list) || [];
const ds = vars.find((v) => v.name === "datasource");
if (!ds || ds.type !== "datasource" || ds.query !== "prometheus") errors.push("no datasource variable of type datasource, prometheus");
const builtins = new Set(["__rate_interval", "__interval", "__range", "__range_s", "__interval_ms"]);
const defined = new Set(vars.map((v) => v.name));
const keywords = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
	"group_left", "group_right", "inf", "nan", "Inf", "NaN"]);
const labelOf = (list) => list.split(",").map((l) => l.trim()).filter(Boolean).forEach((l) => out.add(`label ${l}`));
const usesVars = (s, where) => {
	for (const m of s.matchAll(/\$\{?(\w+)/g))
		if (!defined.has(m[1]) && !builtins.has(m[1])) errors.push(`${where}: unknown variable $${m[1]}`);
};
function expr(e, where) {
	usesVars(e, where);
	let s = e.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, "\"\"");
	for (const m of s.matchAll(/\{([^}]*)\}/g))
		for (const l of m[1].matchAll(/([A-Za-z_]\w*)\s*(=~|!~|!=|=)/g)) out.add(`label ${l[1]}`);
	s = s.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ");
	s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, k, l) => (labelOf(l), " "));
	s = s.replace(/\boffset\s+\S+/g, " ").replace(/\$\{?\w+\}?/g, " ");
	s = s.replace(/(^|[^\w:])[0-9][0-9.]*(e[+-]?[0-9]+)?\b/gi, "$1 ");
	let names = 0;
	for (const m of s.matchAll(/[A-Za-z_:][\w:]*/g)) {
		if (s.slice(m.index + m[0].length).trimStart().startsWith("(")) continue;
		if (keywords.has(m[0])) continue;
		out.add(`metric ${m[0]}`);
		names++;
	}
	if (!names) errors.push(`${where}: no metric in ${e}`);
}
for (const v of vars) {
	if (v.type !== "query") continue;
	const q = typeof v.query === "string" ? v.query : (v.query || {}).query;
	const m = /^label_values\(\s*([A-Za-z_:][\w:]*)(\{[^}]*\})?\s*,\s*(\w+)\s*\)$/.exec(q || "");
	if (!m) { errors.push(`variable ${v.name}: not label_values(METRIC, LABEL): ${q}`); continue; }
	expr(m[1] + (m[2] || ""), `variable ${v.name}`);
	out.add(`label ${m[3]}`);
	out.add(`var ${v.name} ${m[1]} ${m[3]}`);
	if (!v.datasource || v.datasource.uid !== "${datasource}") errors.push(`variable ${v.name}: data source is not \${datasource}`);
}
const ids = new Set();
const cells = new Set();
for (const p of d.panels || []) {
	const where = `panel "${p.title}"`;
	if (!["timeseries", "stat", "state-timeline"].includes(p.type)) errors.push(`${where}: type ${p.type}`);
	if (ids.has(p.id)) errors.push(`${where}: id ${p.id} twice`);
	ids.add(p.id);
	const g = p.gridPos || {};
	if (!(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24)) errors.push(`${where}: gridPos ${JSON.stringify(g)}`);
	for (let x = g.x; x < g.x + g.w; x++)
		for (let y = g.y; y < g.y + g.h; y++) {
			if (cells.has(`${x},${y}`)) { errors.push(`${where}: overlaps another panel at ${x},${y}`); y = x = Infinity; }
			cells.add(`${x},${y}`);
		}
	if (!p.datasource || p.datasource.uid !== "${datasource}") errors.push(`${where}: data source is not \${datasource}`);
	if (!(p.targets || []).length) errors.push(`${where}: no query`);
	const refs = new Set();
	for (const t of p.targets || []) {
		if (refs.has(t.refId)) errors.push(`${where}: refId ${t.refId} twice`);
		refs.add(t.refId);
		if (!t.datasource || t.datasource.uid !== "${datasource}") errors.push(`${where} ${t.refId}: data source is not \${datasource}`);
		if (typeof t.expr !== "string" || !t.expr) { errors.push(`${where} ${t.refId}: no expr`); continue; }
		expr(t.expr, `${where} ${t.refId}`);
		for (const m of (t.legendFormat || "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)) out.add(`label ${m[1]}`);
	}
	out.add(`panel ${p.type} ${p.title}`);
}
if (errors.length) { console.error(errors.join("\n")); process.exit(1); }
console.log([...out].join("\n"));
' "$1"
}

# 1. The dashboard: valid JSON, its shape, every metric and label a real one.
check_names() { # FACTS_FILE: prints the names that are no metric or label of the sidecar
	local kind name
	while read -r kind name _; do
		case $kind in
		metric) printf '%s\n' "${METRICS[@]}" | grep -qxF "$name" || echo "metric $name" ;;
		label) printf '%s\n' "${LABELS[@]}" | grep -qxF "$name" || echo "label $name" ;;
		esac
	done <"$1"
}
dashboard_facts "$DASHBOARD" >"$WORK/dash.log" 2>&1 || fail "k8s/grafana-dashboard.json: $(cat "$WORK/dash.log")"
unknown=$(check_names "$WORK/dash.log")
[ -z "$unknown" ] || fail "k8s/grafana-dashboard.json asks for what the sidecar does not serve: $unknown"
for m in "${WANTED[@]}"; do
	grep -qx "metric $m" "$WORK/dash.log" || fail "k8s/grafana-dashboard.json does not show $m"
done
grep -qx 'var cgroup oomsentry_container_memory_usage_bytes cgroup' "$WORK/dash.log" ||
	fail "k8s/grafana-dashboard.json has no cgroup variable from label_values(oomsentry_container_memory_usage_bytes, cgroup)"
pass "the dashboard: $(grep -c '^panel ' "$WORK/dash.log") panels on \${datasource}, $(grep -c '^metric ' "$WORK/dash.log") metrics and $(grep -c '^label ' "$WORK/dash.log") labels, all the sidecar's"

# The checker bites: a misspelt metric, a misspelt label, a broken file.
sed 's/oomsentry_container_memory_level{/oomsentry_container_memory_levels{/' "$DASHBOARD" >"$WORK/bad-metric.json"
sed 's/sum by (level, reason)/sum by (level, reasons)/' "$DASHBOARD" >"$WORK/bad-label.json"
sed '0,/"uid": "oomsentry",/s//"uid": "oomsentry"/' "$DASHBOARD" >"$WORK/bad-json.json"
for bad in bad-metric bad-label bad-json; do
	cmp -s "$DASHBOARD" "$WORK/$bad.json" && fail "negative case $bad did not change the dashboard"
done
dashboard_facts "$WORK/bad-metric.json" >"$WORK/bad-metric.out" 2>&1 || fail "bad-metric: $(cat "$WORK/bad-metric.out")"
[ "$(check_names "$WORK/bad-metric.out")" = "metric oomsentry_container_memory_levels" ] ||
	fail "a misspelt metric went unnoticed: $(check_names "$WORK/bad-metric.out")"
dashboard_facts "$WORK/bad-label.json" >"$WORK/bad-label.out" 2>&1 || fail "bad-label: $(cat "$WORK/bad-label.out")"
[ "$(check_names "$WORK/bad-label.out")" = "label reasons" ] ||
	fail "a misspelt label went unnoticed: $(check_names "$WORK/bad-label.out")"
dashboard_facts "$WORK/bad-json.json" >"$WORK/bad-json.out" 2>&1 && fail "invalid JSON was accepted"
grep -q SyntaxError "$WORK/bad-json.out" || fail "invalid JSON rejected for another reason: $(cat "$WORK/bad-json.out")"
pass "the dashboard checker rejects a misspelt metric, a misspelt label and invalid JSON"

# The names above are the sidecar's: its /metrics page declares exactly
# these (a "# TYPE" line each, series or not). It runs in dry-run mode on
# an empty proc root, so it watches and signals nothing.
mkdir "$WORK/proc"
env -i METRICS_ADDR=127.0.0.1:0 PROC_ROOT="$WORK/proc" DRY_RUN=true "$OOMSENTRY" >"$WORK/sidecar.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q 'event=metrics_listening' "$WORK/sidecar.log" || fail "the sidecar did not start listening"
listen=$(sed -n 's/.*event=metrics_listening addr=\([0-9.]*:[0-9]*\).*/\1/p' "$WORK/sidecar.log")
exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}" || fail "cannot connect to the sidecar at $listen"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
cat <&3 >"$WORK/metrics.txt"
exec 3<&-
head -n 1 "$WORK/metrics.txt" | grep -q '^HTTP/1\.[01] 200 ' || fail "GET /metrics: $(head -n 1 "$WORK/metrics.txt")"
diff <(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$WORK/metrics.txt" | sort) <(printf '%s\n' "${METRICS[@]}" | sort) >"$WORK/names.log" ||
	fail "the sidecar's /metrics (<) and this test's names (>) differ: $(cat "$WORK/names.log")"
pass "the sidecar at $listen declares the ${#METRICS[@]} metric names the dashboard is checked against"

# ... and the README and the man page document each of them.
man_txt=$WORK/oomsentry.8.txt
MANWIDTH=200 man -l "$top_builddir/man/oomsentry.8" 2>/dev/null | col -b >"$man_txt"
[ -s "$man_txt" ] || fail "cannot render $top_builddir/man/oomsentry.8"
for name in "${METRICS[@]}"; do
	grep -q "\`$name\`" "$top_srcdir/README.md" || fail "README.md does not document the metric $name"
	grep -q "$name" "$man_txt" || fail "oomsentry(8) does not document the metric $name"
done
pass "README.md and oomsentry(8) document all ${#METRICS[@]} metrics"

# 2. What deployment.yaml, podmonitor.yaml and the kustomization say, read
# with the YAML parser of ship_k8s.sh; with a file of rendered documents,
# that file's Deployment instead.
manifest_facts() { # [RENDERED]
	node --input-type=module -e '
const YAML = await import(process.argv[1] + "/yaml/dist/index.js");
const fs = await import("node:fs");
const k8s = process.argv[2];
const docs = (f) => YAML.parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => {
	if (d.errors.length) throw new Error(`${f}: ${d.errors[0].message}`);
	return d.toJS();
}).filter(Boolean);
const dep = docs(process.argv[3] || k8s + "/deployment.yaml").find((d) => d.kind === "Deployment");
if (!dep) throw new Error("no Deployment");
const pod = dep.spec.template;
const spec = pod.spec;
const side = (spec.initContainers || []).find((c) => c.name === "oomsentry");
if (!side || side.restartPolicy !== "Always") throw new Error("no native sidecar named oomsentry");
const env = (side.env || []).find((e) => e.name === "METRICS_ADDR");
console.log(`addr ${env ? env.value : "-"}`);
for (const p of side.ports || []) console.log(`port ${p.name} ${p.containerPort} ${p.protocol || "TCP"}`);
// One network namespace: no two containers of the pod may declare a port.
const all = [...(spec.initContainers || []), ...spec.containers].flatMap((c) => (c.ports || []).map((p) => p.containerPort));
console.log(`ports ${all.length} ${new Set(all).size}`);
const lp = side.livenessProbe;
if (lp) console.log(`liveness ${lp.httpGet ? "httpGet" : lp.exec ? "exec" : "other"} ${lp.httpGet?.path} ${lp.httpGet?.port} ${lp.periodSeconds} ${lp.timeoutSeconds} ${lp.failureThreshold}`);
if (side.readinessProbe) console.log("readiness");
const a = pod.metadata.annotations || {};
console.log(`annotations ${a["prometheus.io/scrape"]} ${a["prometheus.io/port"]} ${a["prometheus.io/path"]}`);
const labels = pod.metadata.labels || {};
if (process.argv[3]) {
	const kinds = docs(process.argv[3]).map((d) => d.kind).sort().join(",");
	console.log(`rendered ${kinds}`);
	process.exit(0);
}
const pm = docs(k8s + "/podmonitor.yaml");
if (pm.length !== 1) throw new Error(`podmonitor.yaml: ${pm.length} documents`);
const m = pm[0];
console.log(`podmonitor ${m.apiVersion} ${m.kind}`);
const sel = m.spec.selector.matchLabels || {};
const selects = Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v) && !m.spec.selector.matchExpressions;
console.log(`selects ${selects ? "yes" : "no"}`);
for (const e of m.spec.podMetricsEndpoints) console.log(`endpoint ${e.port} ${e.path} ${e.interval}`);
const kust = docs(k8s + "/kustomization.yaml")[0];
console.log(`kustomized ${kust.resources.join(",")}`);
' "$MODULES" "$K8S" "$@"
}
manifest_facts >"$WORK/facts.log" 2>&1 || fail "cannot read the manifests: $(cat "$WORK/facts.log")"
read -r _ addr < <(grep '^addr ' "$WORK/facts.log")
read -r _ name port proto < <(grep '^port ' "$WORK/facts.log")
[ "$(grep -c '^port ' "$WORK/facts.log")" = 1 ] && [ "$name" = metrics ] && [ "$proto" = TCP ] ||
	fail "the sidecar should declare one TCP port named metrics: $(grep '^port ' "$WORK/facts.log")"
[ "$addr" = ":$port" ] || fail "METRICS_ADDR=$addr is not the declared port $port on every address"
read -r _ nports nunique < <(grep '^ports ' "$WORK/facts.log")
[ "$nports" = "$nunique" ] || fail "two containers of the pod declare the same port"
read -r _ scrape aport apath < <(grep '^annotations ' "$WORK/facts.log")
[ "$scrape $aport $apath" = "true $port /metrics" ] ||
	fail "annotations prometheus.io/scrape=$scrape port=$aport path=$apath, not true $port /metrics"
read -r _ api kind < <(grep '^podmonitor ' "$WORK/facts.log")
[ "$api $kind" = "monitoring.coreos.com/v1 PodMonitor" ] || fail "podmonitor.yaml is a $api $kind"
grep -qx 'selects yes' "$WORK/facts.log" || fail "podmonitor.yaml does not select the deployment's pods by their labels"
[ "$(grep -c '^endpoint ' "$WORK/facts.log")" = 1 ] && grep -qx "endpoint $name $apath 15s" "$WORK/facts.log" ||
	fail "podmonitor.yaml should scrape port $name at $apath every 15s: $(grep '^endpoint ' "$WORK/facts.log")"
grep '^kustomized ' "$WORK/facts.log" | grep -q podmonitor && fail "podmonitor.yaml is in kustomization.yaml: apply -k would fail without the operator's CRDs"
pass "podmonitor.yaml selects the deployment's pods, port $name, $apath every 15s, as the annotations say; not in the kustomization"

# The sidecar takes the deployment's METRICS_ADDR as it is written there.
env -i METRICS_ADDR="$addr" "$OOMSENTRY" --print-config >"$WORK/print-config.log" 2>&1 ||
	fail "oomsentry rejects METRICS_ADDR=$addr: $(cat "$WORK/print-config.log")"
grep -qx "metrics_addr = $addr" "$WORK/print-config.log" ||
	fail "oomsentry --print-config does not show metrics_addr = $addr"
pass "oomsentry accepts METRICS_ADDR=$addr"

# 3. The kustomization renders, and the rendered sidecar is the one above.
command -v kubectl >/dev/null || missing_prerequisite "kubectl (apt-get install kubernetes-client)"
kubectl kustomize "$K8S" >"$WORK/rendered.yaml" 2>"$WORK/kustomize.log" || fail "kubectl kustomize k8s/ fails: $(cat "$WORK/kustomize.log")"
manifest_facts "$WORK/rendered.yaml" >"$WORK/rendered.log" 2>&1 || fail "cannot read the rendered manifests: $(cat "$WORK/rendered.log")"
grep -qx 'rendered ConfigMap,Deployment' "$WORK/rendered.log" || fail "kubectl kustomize k8s/ renders $(grep '^rendered ' "$WORK/rendered.log")"
grep -qx "port metrics $port TCP" "$WORK/rendered.log" || fail "the rendered sidecar has no port metrics $port"
grep -qx "addr :$port" "$WORK/rendered.log" || fail "the rendered sidecar has no METRICS_ADDR=:$port"
read -r _ how path pport period timeout threshold < <(grep '^liveness ' "$WORK/rendered.log")
[ "$how $path" = "httpGet /healthz" ] && { [ "$pport" = metrics ] || [ "$pport" = "$port" ]; } ||
	fail "the rendered sidecar's liveness probe: ${how:-none} ${path:-} port ${pport:-}, not httpGet /healthz on the metrics port"
[ "$period" -ge 5 ] && [ "$timeout" -ge 1 ] && [ "$timeout" -lt "$period" ] && [ "$threshold" -ge 2 ] 2>/dev/null ||
	fail "the liveness probe's periodSeconds=$period timeoutSeconds=$timeout failureThreshold=$threshold"
grep -qx readiness "$WORK/rendered.log" && fail "the sidecar has a readiness probe: a not-ready sidecar would take the app out of its Services"
grep -qx "annotations true $port /metrics" "$WORK/rendered.log" || fail "the rendered pod lacks the prometheus.io annotations"
pass "kubectl kustomize k8s/ renders the sidecar with port metrics $port, an httpGet liveness probe on /healthz (every ${period}s, ${threshold} failures) and the prometheus.io annotations"
