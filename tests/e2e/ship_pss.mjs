// Checks pod specs against the Kubernetes Pod Security Standards, offline:
//
//   node ship_pss.mjs NODE_MODULES LEVEL FILE...
//
// LEVEL is baseline or restricted (restricted includes every baseline
// control); privileged has no controls. Every document of kind Pod,
// Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job
// or CronJob is checked, over its pod spec and all its containers,
// initContainers and ephemeralContainers; other documents (ConfigMap,
// Kustomization) carry no pod and are passed over in silence.
//
// The controls are those of https://kubernetes.io/docs/concepts/security/pod-security-standards/
// as it stands for Kubernetes v1.34 (its newest control is "Host Probes /
// Lifecycle Hooks (v1.34+)"). CONTROLS below is that page's two tables as
// data: one entry per control, named as the page names it, with the fields it
// restricts and the allowed values copied from the page, so the two can be
// compared line by line; check() applies them, with the notes the page gives
// under a control (pod-level values that containers inherit).
//
// Prints one line per checked document:
//   ok LEVEL FILE KIND/NAME
//   violates LEVEL FILE KIND/NAME: CONTROL: detail (container NAME, field); ...
// Exits 0 if all are ok, 1 if any violates, 2 on a usage error or a file it
// cannot read.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const LEVELS = ["privileged", "baseline", "restricted"];
const [modules, level, ...files] = process.argv.slice(2);
if (!modules || !LEVELS.includes(level) || files.length === 0) {
	console.error("usage: node ship_pss.mjs NODE_MODULES baseline|restricted|privileged FILE...");
	process.exit(2);
}
const YAML = await import(join(modules, "yaml/dist/index.js"));

// The page's spellings of "no value": a field that is absent or null, and
// (SELinux, Host Probes) the empty string.
const NIL = "Undefined/nil";
const EMPTY = '""';

// Whether value is one of the page's allowed values. An entry ending in "*"
// (AppArmor's localhost/*) allows any value with that prefix.
function allows(allowed, value) {
	if (value === undefined || value === null) return allowed.includes(NIL) || allowed.includes('Undefined/""');
	if (value === "") return allowed.includes(EMPTY) || allowed.includes('Undefined/""');
	return allowed.some((a) => (a.endsWith("*") ? String(value).startsWith(a.slice(0, -1)) : a === String(value)));
}

const KINDS = ["containers", "initContainers", "ephemeralContainers"];

// Every container of the pod with the path of its securityContext.
function* containers(pod, kinds = KINDS) {
	for (const kind of kinds) {
		const list = pod.spec[kind];
		if (!Array.isArray(list)) continue;
		for (const [i, c] of list.entries()) {
			const path = `${pod.path}.${kind}[${i}]`;
			yield { c: c ?? {}, name: c?.name ?? `#${i}`, path, sc: c?.securityContext ?? {}, scPath: `${path}.securityContext` };
		}
	}
}
const podSC = (pod) => pod.spec.securityContext ?? {};
const show = (v) => (v === undefined || v === null ? "unset" : typeof v === "string" ? v : JSON.stringify(v));

// A violation: what is wrong, who sets it (a container's name, "pod" or a
// volume) and the field, as a path in the document.
const at = (detail, who, field) => ({ detail, who, field });

// Checks one value against a field group of the rule, for the pod-level
// field and/or each container's (sub is the path under securityContext).
function checkPodField(pod, group, sub, out, what = sub) {
	const v = get(podSC(pod), sub);
	if (!allows(group.allowed, v)) out.push(at(`${what} is ${show(v)}`, "pod", `${pod.path}.securityContext.${sub}`));
}
function checkContainerField(pod, group, sub, out, what = sub) {
	for (const k of containers(pod)) {
		const v = get(k.sc, sub);
		if (!allows(group.allowed, v)) out.push(at(`${what} is ${show(v)}`, `container ${k.name}`, `${k.scPath}.${sub}`));
	}
}
const get = (obj, dotted) => dotted.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];
const HOOKS = ["lifecycle.postStart", "lifecycle.preStop"];
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

// The page's tables. `restricts` holds the page's groups of "Restricted
// Fields" with their "Allowed Values"; a control with two groups (AppArmor,
// SELinux, restricted Capabilities) has two entries. `linuxOnly` marks the
// controls the page's "OS-specific policy controls" require only when
// .spec.os.name is not windows.
const CONTROLS = [
	// --- Baseline ---
	{
		level: "baseline",
		control: "HostProcess",
		restricts: [
			{
				fields: [
					"spec.securityContext.windowsOptions.hostProcess",
					"spec.containers[*].securityContext.windowsOptions.hostProcess",
					"spec.initContainers[*].securityContext.windowsOptions.hostProcess",
					"spec.ephemeralContainers[*].securityContext.windowsOptions.hostProcess",
				],
				allowed: [NIL, "false"],
			},
		],
		check(pod, [g], out) {
			checkPodField(pod, g, "windowsOptions.hostProcess", out);
			checkContainerField(pod, g, "windowsOptions.hostProcess", out);
		},
	},
	{
		level: "baseline",
		control: "Host Namespaces",
		restricts: [{ fields: ["spec.hostNetwork", "spec.hostPID", "spec.hostIPC"], allowed: [NIL, "false"] }],
		check(pod, [g], out) {
			for (const f of ["hostNetwork", "hostPID", "hostIPC"])
				if (!allows(g.allowed, pod.spec[f])) out.push(at(`${f} is ${show(pod.spec[f])}`, "pod", `${pod.path}.${f}`));
		},
	},
	{
		level: "baseline",
		control: "Privileged Containers",
		restricts: [
			{
				fields: [
					"spec.containers[*].securityContext.privileged",
					"spec.initContainers[*].securityContext.privileged",
					"spec.ephemeralContainers[*].securityContext.privileged",
				],
				allowed: [NIL, "false"],
			},
		],
		check(pod, [g], out) {
			checkContainerField(pod, g, "privileged", out);
		},
	},
	{
		level: "baseline",
		control: "Capabilities",
		restricts: [
			{
				fields: [
					"spec.containers[*].securityContext.capabilities.add",
					"spec.initContainers[*].securityContext.capabilities.add",
					"spec.ephemeralContainers[*].securityContext.capabilities.add",
				],
				allowed: [NIL, "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
					"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"],
			},
		],
		check(pod, [g], out) {
			for (const k of containers(pod))
				for (const cap of k.sc.capabilities?.add ?? [])
					if (!allows(g.allowed, cap)) out.push(at(`adds ${show(cap)}`, `container ${k.name}`, `${k.scPath}.capabilities.add`));
		},
	},
	{
		level: "baseline",
		control: "HostPath Volumes",
		restricts: [{ fields: ["spec.volumes[*].hostPath"], allowed: [NIL] }],
		check(pod, [g], out) {
			for (const [i, v] of (pod.spec.volumes ?? []).entries())
				if (!allows(g.allowed, v?.hostPath))
					out.push(at(`hostPath ${show(v.hostPath?.path ?? v.hostPath)}`, `volume ${v.name}`, `${pod.path}.volumes[${i}].hostPath`));
		},
	},
	{
		level: "baseline",
		control: "Host Ports",
		// The page also allows a "Known list" of ports, which the built-in
		// admission controller does not support; nor does this checker.
		restricts: [
			{
				fields: [
					"spec.containers[*].ports[*].hostPort",
					"spec.initContainers[*].ports[*].hostPort",
					"spec.ephemeralContainers[*].ports[*].hostPort",
				],
				allowed: [NIL, "0"],
			},
		],
		check(pod, [g], out) {
			for (const k of containers(pod))
				for (const [i, p] of (k.c.ports ?? []).entries())
					if (!allows(g.allowed, p?.hostPort)) out.push(at(`hostPort ${show(p.hostPort)}`, `container ${k.name}`, `${k.path}.ports[${i}].hostPort`));
		},
	},
	{
		level: "baseline",
		control: "Host Probes / Lifecycle Hooks (v1.34+)",
		// The page lists containers and initContainers: ephemeral containers
		// may have neither probes nor lifecycle hooks.
		restricts: [
			{
				fields: ["containers", "initContainers"].flatMap((kind) =>
					[...PROBES, ...HOOKS].flatMap((h) => ["httpGet", "tcpSocket"].map((a) => `spec.${kind}[*].${h}.${a}.host`)),
				),
				allowed: [NIL, EMPTY],
			},
		],
		check(pod, [g], out) {
			for (const k of containers(pod, ["containers", "initContainers"]))
				for (const h of [...PROBES, ...HOOKS])
					for (const a of ["httpGet", "tcpSocket"]) {
						const host = get(k.c, `${h}.${a}.host`);
						if (!allows(g.allowed, host)) out.push(at(`${h}.${a}.host is ${show(host)}`, `container ${k.name}`, `${k.path}.${h}.${a}.host`));
					}
		},
	},
	{
		level: "baseline",
		control: "AppArmor",
		restricts: [
			{
				fields: [
					"spec.securityContext.appArmorProfile.type",
					"spec.containers[*].securityContext.appArmorProfile.type",
					"spec.initContainers[*].securityContext.appArmorProfile.type",
					"spec.ephemeralContainers[*].securityContext.appArmorProfile.type",
				],
				allowed: [NIL, "RuntimeDefault", "Localhost"],
			},
			{
				fields: ['metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]'],
				allowed: [NIL, "runtime/default", "localhost/*"],
			},
		],
		check(pod, [field, annotation], out) {
			checkPodField(pod, field, "appArmorProfile.type", out);
			checkContainerField(pod, field, "appArmorProfile.type", out);
			// The annotation's value "" is taken as undefined, as the built-in
			// admission controller does.
			for (const [key, value] of Object.entries(pod.meta?.annotations ?? {}))
				if (key.startsWith(APPARMOR_ANNOTATION) && value !== "" && !allows(annotation.allowed, value))
					out.push(at(`annotation ${key} is ${show(value)}`, `container ${key.slice(APPARMOR_ANNOTATION.length)}`, `${pod.metaPath}.annotations["${key}"]`));
		},
	},
	{
		level: "baseline",
		control: "SELinux",
		restricts: [
			{
				fields: [
					"spec.securityContext.seLinuxOptions.type",
					"spec.containers[*].securityContext.seLinuxOptions.type",
					"spec.initContainers[*].securityContext.seLinuxOptions.type",
					"spec.ephemeralContainers[*].securityContext.seLinuxOptions.type",
				],
				allowed: ['Undefined/""', "container_t", "container_init_t", "container_kvm_t", "container_engine_t" /* since Kubernetes 1.31 */],
			},
			{
				fields: [
					"spec.securityContext.seLinuxOptions.user",
					"spec.containers[*].securityContext.seLinuxOptions.user",
					"spec.initContainers[*].securityContext.seLinuxOptions.user",
					"spec.ephemeralContainers[*].securityContext.seLinuxOptions.user",
					"spec.securityContext.seLinuxOptions.role",
					"spec.containers[*].securityContext.seLinuxOptions.role",
					"spec.initContainers[*].securityContext.seLinuxOptions.role",
					"spec.ephemeralContainers[*].securityContext.seLinuxOptions.role",
				],
				allowed: ['Undefined/""'],
			},
		],
		check(pod, [type, userRole], out) {
			checkPodField(pod, type, "seLinuxOptions.type", out);
			checkContainerField(pod, type, "seLinuxOptions.type", out);
			for (const f of ["seLinuxOptions.user", "seLinuxOptions.role"]) {
				checkPodField(pod, userRole, f, out);
				checkContainerField(pod, userRole, f, out);
			}
		},
	},
	{
		level: "baseline",
		control: "/proc Mount Type",
		restricts: [
			{
				fields: [
					"spec.containers[*].securityContext.procMount",
					"spec.initContainers[*].securityContext.procMount",
					"spec.ephemeralContainers[*].securityContext.procMount",
				],
				allowed: [NIL, "Default"],
			},
		],
		check(pod, [g], out) {
			checkContainerField(pod, g, "procMount", out);
		},
	},
	{
		level: "baseline",
		control: "Seccomp",
		// Baseline forbids only an explicit Unconfined; unset is fine here
		// (Restricted's "Seccomp (v1.19+)" requires it set).
		restricts: [
			{
				fields: [
					"spec.securityContext.seccompProfile.type",
					"spec.containers[*].securityContext.seccompProfile.type",
					"spec.initContainers[*].securityContext.seccompProfile.type",
					"spec.ephemeralContainers[*].securityContext.seccompProfile.type",
				],
				allowed: [NIL, "RuntimeDefault", "Localhost"],
			},
		],
		check(pod, [g], out) {
			checkPodField(pod, g, "seccompProfile.type", out);
			checkContainerField(pod, g, "seccompProfile.type", out);
		},
	},
	{
		level: "baseline",
		control: "Sysctls",
		restricts: [
			{
				fields: ["spec.securityContext.sysctls[*].name"],
				allowed: [
					NIL,
					"kernel.shm_rmid_forced",
					"net.ipv4.ip_local_port_range",
					"net.ipv4.ip_unprivileged_port_start",
					"net.ipv4.tcp_syncookies",
					"net.ipv4.ping_group_range",
					"net.ipv4.ip_local_reserved_ports", // since Kubernetes 1.27
					"net.ipv4.tcp_keepalive_time", // since Kubernetes 1.29
					"net.ipv4.tcp_fin_timeout", // since Kubernetes 1.29
					"net.ipv4.tcp_keepalive_intvl", // since Kubernetes 1.29
					"net.ipv4.tcp_keepalive_probes", // since Kubernetes 1.29
				],
			},
		],
		check(pod, [g], out) {
			for (const [i, s] of (podSC(pod).sysctls ?? []).entries())
				if (!allows(g.allowed, s?.name)) out.push(at(`sysctl ${show(s?.name)}`, "pod", `${pod.path}.securityContext.sysctls[${i}].name`));
		},
	},

	// --- Restricted: everything from the Baseline policy, and these ---
	{
		level: "restricted",
		control: "Volume Types",
		// "Every item in the spec.volumes[*] list must set one of the
		// following fields to a non-null value".
		restricts: [
			{
				fields: ["spec.volumes[*]"],
				allowed: [
					"spec.volumes[*].configMap",
					"spec.volumes[*].csi",
					"spec.volumes[*].downwardAPI",
					"spec.volumes[*].emptyDir",
					"spec.volumes[*].ephemeral",
					"spec.volumes[*].persistentVolumeClaim",
					"spec.volumes[*].projected",
					"spec.volumes[*].secret",
				],
			},
		],
		check(pod, [g], out) {
			const types = new Set(g.allowed.map((f) => f.split(".").pop()));
			for (const [i, v] of (pod.spec.volumes ?? []).entries()) {
				const set = Object.keys(v ?? {}).filter((k) => k !== "name" && v[k] !== null && v[k] !== undefined);
				const bad = set.filter((k) => !types.has(k));
				if (bad.length) for (const k of bad) out.push(at(`volume type ${k}`, `volume ${v.name}`, `${pod.path}.volumes[${i}].${k}`));
				else if (!set.length) out.push(at("no volume type set", `volume ${v?.name}`, `${pod.path}.volumes[${i}]`));
			}
		},
	},
	{
		level: "restricted",
		control: "Privilege Escalation (v1.8+)",
		linuxOnly: true,
		restricts: [
			{
				fields: [
					"spec.containers[*].securityContext.allowPrivilegeEscalation",
					"spec.initContainers[*].securityContext.allowPrivilegeEscalation",
					"spec.ephemeralContainers[*].securityContext.allowPrivilegeEscalation",
				],
				allowed: ["false"],
			},
		],
		check(pod, [g], out) {
			checkContainerField(pod, g, "allowPrivilegeEscalation", out);
		},
	},
	{
		level: "restricted",
		control: "Running as Non-root",
		// "The container fields may be undefined/nil if the pod-level
		// spec.securityContext.runAsNonRoot is set to true." A container's
		// own value overrides the pod's, so a container's false is refused
		// even under a pod-level true.
		restricts: [
			{
				fields: [
					"spec.securityContext.runAsNonRoot",
					"spec.containers[*].securityContext.runAsNonRoot",
					"spec.initContainers[*].securityContext.runAsNonRoot",
					"spec.ephemeralContainers[*].securityContext.runAsNonRoot",
				],
				allowed: ["true"],
			},
		],
		check(pod, [g], out) {
			const podValue = podSC(pod).runAsNonRoot;
			if (podValue !== undefined && podValue !== null && !allows(g.allowed, podValue))
				out.push(at(`runAsNonRoot is ${show(podValue)}`, "pod", `${pod.path}.securityContext.runAsNonRoot`));
			for (const k of containers(pod)) {
				const v = k.sc.runAsNonRoot;
				if (v === undefined || v === null) {
					if (podValue !== true) out.push(at("runAsNonRoot is unset here and not true at pod level", `container ${k.name}`, `${k.scPath}.runAsNonRoot`));
				} else if (!allows(g.allowed, v)) out.push(at(`runAsNonRoot is ${show(v)}`, `container ${k.name}`, `${k.scPath}.runAsNonRoot`));
			}
		},
	},
	{
		level: "restricted",
		control: "Running as Non-root user (v1.23+)",
		restricts: [
			{
				fields: [
					"spec.securityContext.runAsUser",
					"spec.containers[*].securityContext.runAsUser",
					"spec.initContainers[*].securityContext.runAsUser",
					"spec.ephemeralContainers[*].securityContext.runAsUser",
				],
				allowed: ["any non-zero value", "undefined/null"],
			},
		],
		check(pod, _, out) {
			if (podSC(pod).runAsUser === 0) out.push(at("runAsUser is 0", "pod", `${pod.path}.securityContext.runAsUser`));
			for (const k of containers(pod))
				if (k.sc.runAsUser === 0) out.push(at("runAsUser is 0", `container ${k.name}`, `${k.scPath}.runAsUser`));
		},
	},
	{
		level: "restricted",
		control: "Seccomp (v1.19+)",
		linuxOnly: true,
		// "Both the Unconfined profile and the absence of a profile are
		// prohibited." "The container fields may be undefined/nil if the
		// pod-level spec.securityContext.seccompProfile.type field is set
		// appropriately. Conversely, the pod-level field may be
		// undefined/nil if all container-level fields are set."
		restricts: [
			{
				fields: [
					"spec.securityContext.seccompProfile.type",
					"spec.containers[*].securityContext.seccompProfile.type",
					"spec.initContainers[*].securityContext.seccompProfile.type",
					"spec.ephemeralContainers[*].securityContext.seccompProfile.type",
				],
				allowed: ["RuntimeDefault", "Localhost"],
			},
		],
		check(pod, [g], out) {
			const podType = podSC(pod).seccompProfile?.type;
			const podSet = podType !== undefined && podType !== null;
			if (podSet && !allows(g.allowed, podType))
				out.push(at(`seccompProfile.type is ${show(podType)}`, "pod", `${pod.path}.securityContext.seccompProfile.type`));
			for (const k of containers(pod)) {
				const t = k.sc.seccompProfile?.type;
				if (t === undefined || t === null) {
					if (!podSet) out.push(at("seccompProfile.type is unset here and at pod level", `container ${k.name}`, `${k.scPath}.seccompProfile.type`));
				} else if (!allows(g.allowed, t)) out.push(at(`seccompProfile.type is ${show(t)}`, `container ${k.name}`, `${k.scPath}.seccompProfile.type`));
			}
		},
	},
	{
		level: "restricted",
		control: "Capabilities (v1.22+)",
		linuxOnly: true,
		// "Containers must drop ALL capabilities, and are only permitted to
		// add back the NET_BIND_SERVICE capability."
		restricts: [
			{
				fields: [
					"spec.containers[*].securityContext.capabilities.drop",
					"spec.initContainers[*].securityContext.capabilities.drop",
					"spec.ephemeralContainers[*].securityContext.capabilities.drop",
				],
				allowed: ["Any list of capabilities that includes ALL"],
			},
			{
				fields: [
					"spec.containers[*].securityContext.capabilities.add",
					"spec.initContainers[*].securityContext.capabilities.add",
					"spec.ephemeralContainers[*].securityContext.capabilities.add",
				],
				allowed: [NIL, "NET_BIND_SERVICE"],
			},
		],
		check(pod, [, add], out) {
			for (const k of containers(pod)) {
				const drop = k.sc.capabilities?.drop;
				if (!Array.isArray(drop) || !drop.includes("ALL"))
					out.push(at(`drop is ${show(drop)}, without ALL`, `container ${k.name}`, `${k.scPath}.capabilities.drop`));
				for (const cap of k.sc.capabilities?.add ?? [])
					if (!allows(add.allowed, cap)) out.push(at(`adds ${show(cap)}`, `container ${k.name}`, `${k.scPath}.capabilities.add`));
			}
		},
	},
];

// Where each kind keeps its pod template: the pod spec, and the metadata
// beside it (the AppArmor annotations are the pod's, so a template's).
const POD_SPEC = {
	Pod: [],
	Deployment: ["spec", "template"],
	StatefulSet: ["spec", "template"],
	DaemonSet: ["spec", "template"],
	ReplicaSet: ["spec", "template"],
	ReplicationController: ["spec", "template"],
	Job: ["spec", "template"],
	CronJob: ["spec", "jobTemplate", "spec", "template"],
};

function check(doc) {
	const base = POD_SPEC[doc.kind];
	const holder = base.reduce((o, k) => o?.[k], doc);
	const prefix = base.join(".");
	const path = prefix ? `${prefix}.spec` : "spec";
	if (typeof holder?.spec !== "object" || holder.spec === null) return { error: `no pod spec at ${path}` };
	const pod = { spec: holder.spec, path, meta: holder.metadata, metaPath: prefix ? `${prefix}.metadata` : "metadata" };
	const windows = pod.spec.os?.name === "windows";
	const levels = level === "restricted" ? ["baseline", "restricted"] : level === "baseline" ? ["baseline"] : [];
	const found = [];
	for (const rule of CONTROLS) {
		if (!levels.includes(rule.level) || (rule.linuxOnly && windows)) continue;
		const out = [];
		rule.check(pod, rule.restricts, out);
		for (const v of out) found.push(`${rule.control}: ${v.detail} (${v.who}, ${v.field})`);
	}
	return { found };
}

let bad = 0;
let broken = 0;
for (const file of files) {
	let docs;
	try {
		docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
	} catch (e) {
		console.log(`invalid ${file}: ${e.message}`);
		broken++;
		continue;
	}
	for (const d of docs) {
		if (d.errors?.length) {
			console.log(`invalid ${file}: ${d.errors.map((e) => e.message).join("; ")}`);
			broken++;
			continue;
		}
		const doc = d.toJS();
		if (typeof doc !== "object" || doc === null || !Object.hasOwn(POD_SPEC, doc.kind)) continue;
		const what = `${doc.kind}/${doc.metadata?.name ?? "-"}`;
		const r = check(doc);
		if (r.error) {
			console.log(`invalid ${file} ${what}: ${r.error}`);
			broken++;
		} else if (r.found.length) {
			bad++;
			console.log(`violates ${level} ${file} ${what}: ${r.found.join("; ")}`);
		} else console.log(`ok ${level} ${file} ${what}`);
	}
}
process.exit(broken ? 2 : bad ? 1 : 0);
