// Validates Kubernetes manifests offline, the way `kubectl apply
// --validate=strict` does against a cluster's OpenAPI schema:
//
//   node ship_k8s.mjs NODE_MODULES FILE...
//
// Two independent sources, both generated from Kubernetes' OpenAPI spec:
//  - kubernetes-models: JSON-schema validation of every object (types,
//    required fields, enums, formats such as quantities). Its schemas allow
//    unknown fields, so on their own they miss a misspelt key.
//  - @kubernetes/client-node: the attribute map of every API type, used here
//    to reject any field the API does not define (strict decoding).
// A Kustomization is not an API object: its keys are checked against the
// fields this project uses, and each listed resource must exist. Nor is a
// Prometheus Operator PodMonitor (a custom resource): its keys are checked
// against the fields of its CRD, its metadata and selector as the API types
// they are, its durations against the CRD's pattern.
// Prints one line per document; exits 1 if any document is invalid.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
	console.error("usage: node ship_k8s.mjs NODE_MODULES FILE...");
	process.exit(2);
}
const YAML = await import(join(modules, "yaml/dist/index.js"));
const types = await import(join(modules, "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js"));

const primitives = new Set(["string", "boolean", "number", "integer", "any", "Date", "IntOrString", "object"]);

// Unknown-field walk: every key of obj must be an attribute of the API type.
function strict(obj, type, path, errors) {
	if (obj === null || obj === undefined) return;
	let m;
	if ((m = /^Array<(.+)>$/.exec(type))) {
		if (!Array.isArray(obj)) return errors.push(`${path}: must be an array`);
		obj.forEach((v, i) => strict(v, m[1], `${path}[${i}]`, errors));
		return;
	}
	if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
		if (typeof obj !== "object" || Array.isArray(obj)) return errors.push(`${path}: must be a map`);
		for (const [k, v] of Object.entries(obj)) strict(v, m[1], `${path}.${k}`, errors);
		return;
	}
	if (primitives.has(type)) return;
	const cls = types[type];
	if (!cls || !cls.attributeTypeMap) return errors.push(`${path}: no schema for type ${type}`);
	if (typeof obj !== "object" || Array.isArray(obj)) return errors.push(`${path}: must be an object (${type})`);
	const attrs = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
	for (const [k, v] of Object.entries(obj)) {
		if (!attrs.has(k)) errors.push(`${path}.${k}: unknown field (not in ${type})`);
		else strict(v, attrs.get(k), `${path}.${k}`, errors);
	}
}

// The kubernetes-models class for apiVersion/kind, e.g. apps/v1 Deployment.
async function modelFor(apiVersion, kind) {
	const rel = apiVersion; // "v1" (core) or "apps/v1": the package lays out files the same way
	const file = join(modules, "kubernetes-models", rel, `${kind}.js`);
	if (!/^[a-z0-9.\/]+$/.test(rel) || !/^[A-Za-z]+$/.test(kind) || !existsSync(file)) return null;
	return (await import(file))[kind];
}

const kustomizeKeys = new Set(["apiVersion", "kind", "resources", "namespace", "labels", "commonLabels", "images", "configMapGenerator", "patches"]);

// monitoring.coreos.com/v1 PodMonitor: PodMonitorSpec and PodMetricsEndpoint.
const podMonitorSpec = new Set(["jobLabel", "podTargetLabels", "podMetricsEndpoints", "selector", "namespaceSelector",
	"sampleLimit", "targetLimit", "scrapeProtocols", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit",
	"keepDroppedTargets", "attachMetadata", "scrapeClass"]);
const podMetricsEndpoint = new Set(["port", "targetPort", "path", "scheme", "params", "interval", "scrapeTimeout",
	"tlsConfig", "bearerTokenSecret", "honorLabels", "honorTimestamps", "trackTimestampsStaleness", "basicAuth",
	"oauth2", "authorization", "metricRelabelings", "relabelings", "proxyUrl", "followRedirects", "enableHttp2",
	"filterRunning"]);
const duration = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

function podMonitor(doc, errors) {
	for (const k of Object.keys(doc)) if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) errors.push(`.${k}: unknown field (PodMonitor)`);
	if (typeof doc.metadata?.name !== "string") errors.push(".metadata.name: required");
	strict(doc.metadata, "V1ObjectMeta", ".metadata", errors);
	const spec = doc.spec;
	if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return errors.push(".spec: must be an object");
	for (const k of Object.keys(spec)) if (!podMonitorSpec.has(k)) errors.push(`.spec.${k}: unknown field (PodMonitor)`);
	if (typeof spec.selector !== "object" || spec.selector === null) errors.push(".spec.selector: required");
	else strict(spec.selector, "V1LabelSelector", ".spec.selector", errors);
	if (!Array.isArray(spec.podMetricsEndpoints)) return errors.push(".spec.podMetricsEndpoints: must be an array");
	spec.podMetricsEndpoints.forEach((e, i) => {
		const at = `.spec.podMetricsEndpoints[${i}]`;
		if (typeof e !== "object" || e === null || Array.isArray(e)) return errors.push(`${at}: must be an object`);
		for (const k of Object.keys(e)) if (!podMetricsEndpoint.has(k)) errors.push(`${at}.${k}: unknown field (PodMetricsEndpoint)`);
		for (const k of ["port", "path", "scheme"]) if (k in e && typeof e[k] !== "string") errors.push(`${at}.${k} must be string`);
		if ("scheme" in e && !["http", "https"].includes(e.scheme)) errors.push(`${at}.scheme must be http or https`);
		for (const k of ["interval", "scrapeTimeout"])
			if (k in e && (typeof e[k] !== "string" || !duration.test(e[k]))) errors.push(`${at}.${k} must match the duration pattern`);
	});
}

async function validate(doc, file, errors) {
	if (typeof doc !== "object" || doc === null) return errors.push("not a mapping");
	const { apiVersion, kind } = doc;
	if (typeof apiVersion !== "string" || typeof kind !== "string") return errors.push("apiVersion and kind must be strings");
	if (apiVersion.startsWith("kustomize.config.k8s.io/") && kind === "Kustomization") {
		for (const k of Object.keys(doc)) if (!kustomizeKeys.has(k)) errors.push(`.${k}: unknown field (Kustomization)`);
		if (!Array.isArray(doc.resources)) return errors.push(".resources: must be an array");
		for (const r of doc.resources) {
			if (typeof r !== "string") errors.push(".resources: entries must be strings");
			else if (!existsSync(join(dirname(resolve(file)), r))) errors.push(`.resources: ${r} does not exist`);
		}
		return;
	}
	if (apiVersion === "monitoring.coreos.com/v1" && kind === "PodMonitor") return podMonitor(doc, errors);
	const Model = await modelFor(apiVersion, kind);
	if (!Model) return errors.push(`unknown apiVersion/kind ${apiVersion} ${kind}`);
	try {
		new Model(doc).validate();
	} catch (e) {
		errors.push(e.message);
	}
	const version = apiVersion.split("/").pop();
	strict(doc, version.charAt(0).toUpperCase() + version.slice(1) + kind, "", errors);
}

let bad = 0;
for (const file of files) {
	let docs;
	try {
		docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
	} catch (e) {
		console.log(`invalid ${file}: ${e.message}`);
		bad++;
		continue;
	}
	for (const d of docs) {
		const errors = [];
		if (d.errors.length) errors.push(...d.errors.map((e) => e.message));
		const doc = d.toJS();
		if (doc === null) continue;
		if (!errors.length) await validate(doc, file, errors);
		const what = `${doc?.kind}/${doc?.metadata?.name ?? "-"}`;
		if (errors.length) {
			bad++;
			console.log(`invalid ${file} ${what}: ${errors.join("; ")}`);
		} else console.log(`valid ${file} ${what}`);
	}
}
process.exit(bad ? 1 : 0);
