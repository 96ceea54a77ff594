// A reverse proxy in front of s3rver that checks what s3rver does not: the
// AWS Signature V4 of every request (s3rver checks only that the access key
// id exists, never the signature), the payload's SHA-256 when the client
// states one, and Content-MD5. A request that passes is forwarded, body and
// reply streamed both ways, so a multipart upload of hundreds of MiB passes
// with a few MiB of buffers. The signature is recomputed with AWS's own
// signer (@smithy/signature-v4, the one @aws-sdk/client-s3 signs with), over
// the request as received, the way S3 does it on its side: path and query
// decoded and encoded again by RFC 3986, parameters sorted, exactly the
// headers listed in SignedHeaders.
//
// It also makes s3rver behave as S3 where an uploader's tests would notice
// (see "What S3 does that s3rver does not" below): a PUT that fails midway
// leaves no object, AbortMultipartUpload works, CompleteMultipartUpload
// checks the parts. Virtual-hosted requests (Host: BUCKET.localhost:PORT)
// reach s3rver path-style.
//
//   node s3front.mjs MODULES_DIR --backend HOST:PORT --port-file FILE
//     --key ID --secret S [--port N] [--region R] [--stats-file FILE]
//
// Not S3 (an S3 bucket name cannot start with "_"):
//   GET /__stats       counters as JSON; /__stats.txt as "name value" lines
//   GET /__fault?status=500&count=N   the next N S3 requests get that error
//   SIGUSR1            writes the counters to --stats-file, as SIGTERM does
//                      (a handler also keeps Node from opening its inspector)
// Errors are S3's: 403 SignatureDoesNotMatch (with the CanonicalRequest and
// StringToSign S3 returns), InvalidAccessKeyId, AccessDenied,
// RequestTimeTooSkewed; 400 AuthorizationHeaderMalformed (a wrong region,
// service or date in the credential scope), XAmzContentSHA256Mismatch,
// BadDigest, InvalidDigest, InvalidRequest, InvalidPart, InvalidPartOrder,
// EntityTooSmall; 404 NoSuchUpload; 501 NotImplemented (aws-chunked bodies
// and presigned URLs); 503 ServiceUnavailable while s3rver is unreachable.

import http from "node:http";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pipeline, Transform } from "node:stream";

const usage = () => {
	console.error("usage: s3front.mjs MODULES_DIR --backend HOST:PORT --port-file FILE [--port N] " +
		"[--key ID] [--secret S] [--region R] [--stats-file FILE]");
	process.exit(2);
};
const args = process.argv.slice(2);
if (args.length < 1 || args[0].startsWith("--")) usage();
const modules = args.shift();
const opt = { port: "0", key: "", secret: "", region: "us-east-1", "stats-file": "" };
while (args.length) {
	const a = args.shift();
	if (!a.startsWith("--") || !args.length) usage();
	opt[a.slice(2)] = args.shift();
}
if (!opt.backend || !opt["port-file"] || !opt.key || !opt.secret) usage();
const [backendHost, backendPort] = [opt.backend.replace(/:\d+$/, ""), Number(opt.backend.replace(/^.*:/, ""))];

const require = createRequire(path.join(path.resolve(modules), "node_modules", "index.js"));
const sigv4 = require("@smithy/signature-v4");
const { Hash } = require("@smithy/hash-node");

const signer = new sigv4.SignatureV4({
	credentials: { accessKeyId: opt.key, secretAccessKey: opt.secret },
	region: opt.region,
	service: "s3",
	sha256: Hash.bind(null, "sha256"),
	// S3 signs the path encoded once, not twice as other services do.
	uriEscapePath: false,
	applyChecksum: false,
});

const stats = { requests: 0, accepted: 0, rejected: 0, unavailable: 0, faulted: 0, aborted: 0, bytes_in: 0, codes: {} };
let faults = { status: 0, count: 0 };

const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
// RFC 3986 unreserved characters stay, everything else is %XX: AWS's rule,
// the same function as the signer's escapeUri.
const escapeUri = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

class S3Error extends Error {
	constructor(status, code, message, extra = {}) {
		super(message);
		Object.assign(this, { status, code, extra });
	}
}

const requestId = () => crypto.randomBytes(8).toString("hex").toUpperCase();

function sendError(req, res, err, verdict) {
	stats[verdict]++;
	if (verdict === "rejected") stats.codes[err.code] = (stats.codes[err.code] || 0) + 1;
	log(req, err.status, `${verdict} ${err.code}: ${err.message}`);
	if (res.headersSent) return res.destroy();
	const extra = Object.entries(err.extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join("");
	const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code>` +
		`<Message>${xmlEscape(err.message)}</Message>${extra}<RequestId>${requestId()}</RequestId></Error>`;
	res.writeHead(err.status, {
		"Content-Type": "application/xml",
		"Content-Length": Buffer.byteLength(body),
	});
	// HEAD gets the status and headers only, as from S3.
	res.end(req.method === "HEAD" ? undefined : body);
	// A body the client still sends is read and dropped, so that the client
	// gets to read the answer instead of a reset connection.
	req.resume();
}

function log(req, status, what) {
	process.stderr.write(`${new Date().toISOString()} ${req.method} ${req.url} ${status} ${what}\n`);
}

// The request's headers as S3 sees them: names in lower case, repeated
// headers joined with ",".
function headersOf(req) {
	const h = {};
	for (let i = 0; i < req.rawHeaders.length; i += 2) {
		const name = req.rawHeaders[i].toLowerCase();
		h[name] = name in h ? `${h[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
	}
	return h;
}

function decode(s, what) {
	try {
		return decodeURIComponent(s);
	} catch {
		throw new S3Error(400, "InvalidURI", `Couldn't parse the specified URI: bad percent-encoding in the ${what}.`);
	}
}

// The canonical URI: each path segment decoded and encoded again by AWS's
// rule, whatever encoding the client used on the wire (S3 does the same: a
// client that signs "a:b" but sends it unencoded fails against S3 too). No
// "." or ".." or "//" normalization, which S3 does not do.
function canonicalPath(rawPath) {
	return rawPath.split("/").map((seg) => escapeUri(decode(seg, "path"))).join("/");
}

function parseQuery(raw) {
	const query = {};
	for (const part of raw.split("&")) {
		if (part === "") continue;
		const eq = part.indexOf("=");
		const k = decode(eq < 0 ? part : part.slice(0, eq), "query");
		const v = eq < 0 ? "" : decode(part.slice(eq + 1), "query");
		if (!(k in query)) query[k] = v;
		else query[k] = [].concat(query[k], v);
	}
	return query;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

// Checks the Authorization header. Returns what the body must hash to (or
// null), or throws an S3Error.
async function verify(req) {
	const headers = headersOf(req);
	const [rawPath, rawQuery = ""] = req.url.split(/\?(.*)/s);
	const query = parseQuery(rawQuery);
	if ("X-Amz-Algorithm" in query || "Signature" in query)
		throw new S3Error(501, "NotImplemented", "Query-string authentication (presigned URLs) is not implemented by this test front.");
	const auth = headers.authorization;
	if (!auth) throw new S3Error(403, "AccessDenied", "Access Denied: the request is not signed.");
	const m = /^AWS4-HMAC-SHA256 +(.*)$/s.exec(auth);
	if (!m) {
		if (auth.startsWith("AWS "))
			throw new S3Error(400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
		throw new S3Error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; unsupported algorithm.");
	}
	const parts = {};
	for (const p of m[1].split(",")) {
		const [k, ...v] = p.trim().split("=");
		parts[k] = v.join("=");
	}
	for (const k of ["Credential", "SignedHeaders", "Signature"])
		if (!parts[k]) throw new S3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; missing ${k}.`);
	const cred = parts.Credential.split("/");
	if (cred.length !== 5)
		throw new S3Error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
	const [akid, shortDate, region, service, terminator] = cred;
	if (akid !== opt.key)
		throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: akid });

	const amzDate = headers["x-amz-date"];
	const d = AMZ_DATE.exec(amzDate || "");
	if (!d) throw new S3Error(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
	const signingDate = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
	if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60 * 1000)
		throw new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
			{ RequestTime: amzDate, ServerTime: new Date().toISOString().replace(/\.\d+/, "") });
	if (shortDate !== amzDate.slice(0, 8))
		throw new S3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; Invalid credential date "${shortDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
	if (region !== opt.region)
		throw new S3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${region}' is wrong; expecting '${opt.region}'`, { Region: opt.region });
	if (service !== "s3" || terminator !== "aws4_request")
		throw new S3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; incorrect service "${service}" or terminator "${terminator}". This endpoint belongs to "s3".`);

	const payloadHash = headers["x-amz-content-sha256"];
	if (payloadHash === undefined)
		throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
	if (/^STREAMING-/.test(payloadHash))
		throw new S3Error(501, "NotImplemented", `x-amz-content-sha256 ${payloadHash} (aws-chunked uploads) is not implemented by this test front.`);
	if (payloadHash !== "UNSIGNED-PAYLOAD" && !/^[0-9a-fA-F]{64}$/.test(payloadHash))
		throw new S3Error(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.",
			{ ArgumentName: "x-amz-content-sha256", ArgumentValue: payloadHash });

	const signed = parts.SignedHeaders.split(";");
	if (!signed.includes("host"))
		throw new S3Error(403, "AccessDenied", "Host header is not signed.");
	const unsigned = Object.keys(headers).filter((h) => h.startsWith("x-amz-") && !signed.includes(h));
	if (unsigned.length)
		throw new S3Error(403, "AccessDenied", `There were headers present in the request which were not signed: ${unsigned.join(", ")}`, { HeadersNotSigned: unsigned.join(", ") });
	const listed = {};
	for (const h of signed) {
		if (!(h in headers)) throw new S3Error(403, "SignatureDoesNotMatch", `The header ${h} is listed in SignedHeaders but absent from the request.`);
		listed[h] = headers[h];
	}

	// The canonical request from exactly the headers the client listed (as
	// S3 does), then AWS's signer for the canonical form, the string to
	// sign, the key derivation and the HMAC.
	const canonicalHeaders = sigv4.getCanonicalHeaders({ headers: listed }, undefined, new Set(signed));
	const request = { method: req.method, path: canonicalPath(rawPath), query };
	const canonicalRequest = signer.createCanonicalRequest(request, canonicalHeaders, payloadHash);
	const scope = sigv4.createScope(shortDate, opt.region, "s3");
	const credentials = { accessKeyId: opt.key, secretAccessKey: opt.secret };
	const expected = await signer.getSignature(amzDate, scope, signer.getSigningKey(credentials, opt.region, shortDate, "s3"), canonicalRequest);
	const given = Buffer.from(parts.Signature);
	if (given.length !== expected.length || !crypto.timingSafeEqual(given, Buffer.from(expected))) {
		const stringToSign = await signer.createStringToSign(amzDate, scope, canonicalRequest, sigv4.ALGORITHM_IDENTIFIER);
		throw new S3Error(403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			{ AWSAccessKeyId: akid, StringToSign: stringToSign, SignatureProvided: parts.Signature, CanonicalRequest: canonicalRequest });
	}

	let md5 = null;
	if ("content-md5" in headers) {
		md5 = Buffer.from(headers["content-md5"], "base64");
		if (md5.length !== 16 || md5.toString("base64") !== headers["content-md5"].trim())
			throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
	}
	return { sha256: payloadHash === "UNSIGNED-PAYLOAD" ? null : payloadHash.toLowerCase(), md5 };
}

// Passes the body through while hashing and counting it, always one chunk
// behind: the last chunk goes out only once the digests match, so on a
// mismatch the backend never receives a complete body.
function verifier(want, counted) {
	const sha = want.sha256 && crypto.createHash("sha256");
	const md5 = want.md5 && crypto.createHash("md5");
	let held = null;
	return new Transform({
		transform(chunk, _enc, done) {
			stats.bytes_in += chunk.length;
			counted.bytes += chunk.length;
			if (sha) sha.update(chunk);
			if (md5) md5.update(chunk);
			if (!sha && !md5) return done(null, chunk);
			if (held) this.push(held);
			held = chunk;
			done();
		},
		flush(done) {
			if (sha && sha.digest("hex") !== want.sha256)
				return done(new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."));
			if (md5 && !md5.digest().equals(want.md5))
				return done(new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received."));
			done(null, held);
		},
	});
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect", "host"]);
const rawWithout = (raw, drop = HOP_BY_HOP) => {
	const out = [];
	for (let i = 0; i < raw.length; i += 2) if (!drop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
	return out;
};

// A fresh connection per request: a pooled one would outlive a backend
// restart and turn the first request after it into a spurious error.
function upstream(method, path, rawHeaders) {
	return http.request({
		host: backendHost, port: backendPort, method, path, agent: false,
		headers: ["Host", `${backendHost}:${backendPort}`, ...rawHeaders],
	});
}
const responseOf = (up) => new Promise((resolve, reject) => {
	up.on("response", resolve);
	up.on("error", reject);
});
function readAll(stream, limit) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		stream.on("data", (c) => {
			n += c.length;
			if (n > limit) return stream.destroy(new S3Error(400, "MaxMessageLengthExceeded", "Your request was too big."));
			chunks.push(c);
		});
		stream.on("end", () => resolve(Buffer.concat(chunks)));
		stream.on("error", reject);
	});
}
// Internal requests to s3rver go unsigned: it skips authentication for them.
async function backendCall(method, path, headers = []) {
	const up = upstream(method, path, ["Content-Length", "0", ...headers]);
	up.end();
	const ur = await responseOf(up);
	return { ur, body: await readAll(ur, 1 << 20) };
}

// Where the request goes: path-style (/BUCKET/KEY) or virtual-hosted
// (Host: BUCKET.localhost:PORT), always path-style to s3rver.
function targetOf(req) {
	const [rawPath, rawQuery] = req.url.split(/\?(.*)/s);
	const host = (req.headers.host || "").replace(/:\d+$/, "").toLowerCase();
	const vhost = /^(.+)\.localhost$/.exec(host);
	const pathStyle = vhost ? `/${vhost[1]}${rawPath}` : rawPath;
	const [, bucket = "", key = ""] = /^\/([^/]*)\/?(.*)$/s.exec(pathStyle) || [];
	return { bucket, key, query: parseQuery(rawQuery || ""), pathOnly: pathStyle, backendPath: pathStyle + (rawQuery !== undefined ? `?${rawQuery}` : "") };
}

// What S3 does that s3rver does not, for the operations an uploader uses:
// a PUT that fails midway leaves no object (s3rver keeps what it got, and
// overwrites the old object from the first byte); AbortMultipartUpload
// (s3rver answers 405); CompleteMultipartUpload checks each part's ETag,
// the order and the 5 MiB minimum (s3rver checks none). Uploads are
// known from the replies to their initiation; one the front never saw
// (it was restarted meanwhile) passes unchecked.
const STAGING_BUCKET = "s3front-staging";
const MIN_PART = 5 * 1024 * 1024;
const uploads = new Map(); // uploadId -> { key, parts: Map(number -> { etag, size }) }
const abortedUploads = new Set();

function operationOf(req, t) {
	const q = t.query;
	if (!t.key) return "other";
	if (req.method === "PUT" && !("x-amz-copy-source" in req.headers) && Object.keys(q).length === 0) return "put-object";
	if (req.method === "PUT" && "uploadId" in q && "partNumber" in q) return "upload-part";
	if (req.method === "POST" && "uploads" in q) return "initiate";
	if (req.method === "POST" && "uploadId" in q) return "complete";
	if (req.method === "DELETE" && "uploadId" in q) return "abort";
	return "other";
}

function checkParts(xml, upload) {
	const parts = [...xml.toString().matchAll(/<Part>(.*?)<\/Part>/gs)].map((m) => ({
		number: Number((/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]) || [])[1]),
		etag: ((/<ETag>(.*?)<\/ETag>/s.exec(m[1]) || [])[1] || "").replace(/&quot;|"/g, "").trim(),
	}));
	if (!parts.length) throw new S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
	for (let i = 1; i < parts.length; i++)
		if (parts[i].number <= parts[i - 1].number)
			throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
	for (let i = 0; i < parts.length; i++) {
		const p = parts[i];
		const got = upload.parts.get(p.number);
		if (!got || got.etag !== p.etag)
			throw new S3Error(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
				{ PartNumber: p.number, ETag: p.etag });
		if (i < parts.length - 1 && got.size < MIN_PART)
			throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.",
				{ PartNumber: p.number, ProposedSize: got.size, MinSizeAllowed: MIN_PART });
	}
}

function reply(res, ur, body) {
	const headers = rawWithout(ur.rawHeaders, new Set([...HOP_BY_HOP, ...(body ? ["content-length"] : [])]));
	if (body) headers.push("Content-Length", String(body.length));
	res.writeHead(ur.statusCode, ur.statusMessage, headers);
	if (body) res.end(body);
	else pipeline(ur, res, () => {});
}

async function forward(req, res, want) {
	const t = targetOf(req);
	const op = operationOf(req, t);
	const uploadId = t.query.uploadId;
	const upload = uploadId !== undefined ? uploads.get(uploadId) : undefined;
	const counted = { bytes: 0 };
	const headers = rawWithout(req.rawHeaders);
	let staged = null;
	// The body is piped, not pipelined, from the client: a failing backend
	// must not take the client's connection down with it, the client is to
	// get a 503. The client going away is noted here instead.
	let clientGone = false;
	req.on("close", () => {
		if (!req.complete) clientGone = true;
	});
	const body = () => {
		const v = verifier(want, counted);
		req.on("close", () => req.complete || v.destroy(new Error("the client went away")));
		req.pipe(v);
		return v;
	};
	// How the body ended: a digest mismatch destroys the request to s3rver,
	// which then reports only "socket hang up"; the cause is here.
	let bodyEnded = Promise.resolve(null);
	try {
		if (uploadId !== undefined && abortedUploads.has(uploadId) && op !== "other")
			throw new S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", { UploadId: uploadId });
		if (op === "abort") {
			// s3rver has no AbortMultipartUpload: forget the upload here, its
			// parts stay in s3rver's directory, out of sight.
			uploads.delete(uploadId);
			abortedUploads.add(uploadId);
			req.resume();
			stats.accepted++;
			log(req, 204, "accepted (abort answered by the front)");
			res.writeHead(204);
			return res.end();
		}
		let up;
		if (op === "complete") {
			const xml = await readAll(body(), 4 << 20);
			if (upload) checkParts(xml, upload);
			else log(req, "-", `upload ${uploadId} unknown to the front: parts unchecked`);
			up = upstream(req.method, t.backendPath, rawWithout(headers, new Set(["content-length"])).concat("Content-Length", String(xml.length)));
			up.end(xml);
		} else {
			let path = t.backendPath;
			if (op === "put-object") {
				staged = `/${STAGING_BUCKET}/${crypto.randomUUID()}`;
				path = staged;
			}
			up = upstream(req.method, path, headers);
			const v = body();
			bodyEnded = new Promise((resolve) => pipeline(v, up, resolve));
		}
		const ur = await responseOf(up);
		if (op === "put-object" && ur.statusCode === 200) {
			await readAll(ur, 1 << 20);
			const copy = await backendCall("PUT", t.pathOnly, ["x-amz-copy-source", staged, "x-amz-metadata-directive", "COPY"]);
			if (copy.ur.statusCode !== 200) {
				stats.accepted++;
				log(req, copy.ur.statusCode, "accepted (the copy from staging failed)");
				return reply(res, copy.ur, copy.body);
			}
			stats.accepted++;
			log(req, ur.statusCode, "accepted");
			return reply(res, ur, Buffer.alloc(0));
		}
		if (op === "upload-part" && ur.statusCode === 200 && upload)
			upload.parts.set(Number(t.query.partNumber), { etag: String(ur.headers.etag || "").replace(/"/g, ""), size: counted.bytes });
		if (op === "initiate" && ur.statusCode === 200) {
			const body = await readAll(ur, 1 << 20);
			const id = (/<UploadId>(.*?)<\/UploadId>/.exec(body.toString()) || [])[1];
			if (id) uploads.set(id, { key: t.key, parts: new Map() });
			stats.accepted++;
			log(req, ur.statusCode, `accepted (upload ${id})`);
			return reply(res, ur, body);
		}
		if (op === "complete" && ur.statusCode === 200) uploads.delete(uploadId);
		stats.accepted++;
		log(req, ur.statusCode, "accepted");
		reply(res, ur);
	} catch (caught) {
		let err = caught;
		if (!(err instanceof S3Error)) {
			const cause = await Promise.race([bodyEnded, new Promise((r) => setTimeout(r, 1000, null))]);
			if (cause instanceof S3Error) err = cause;
		}
		if (err instanceof S3Error) sendError(req, res, err, "rejected");
		else if (clientGone) {
			stats.aborted++;
			log(req, "-", "aborted by the client");
		} else sendError(req, res, new S3Error(503, "ServiceUnavailable", `The backend is unavailable: ${err.code || err.message}`), "unavailable");
	} finally {
		if (staged) backendCall("DELETE", staged).catch(() => {});
	}
}

function statsText() {
	const lines = Object.entries(stats).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k} ${v}`);
	for (const [code, n] of Object.entries(stats.codes)) lines.push(`${code} ${n}`);
	return lines.join("\n") + "\n";
}

function control(req, res) {
	const [p, q = ""] = req.url.split(/\?(.*)/s);
	let body;
	if (p === "/__stats") body = JSON.stringify(stats) + "\n";
	else if (p === "/__stats.txt") body = statsText();
	else if (p === "/__fault") {
		const query = parseQuery(q);
		faults = { status: Number(query.status || 500), count: Number(query.count || 1) };
		body = JSON.stringify(faults) + "\n";
	} else return false;
	res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) });
	res.end(body);
	req.resume();
	return true;
}

const FAULT_CODES = { 500: "InternalError", 503: "SlowDown" };

async function handle(req, res, expectsContinue) {
	if (req.url.startsWith("/__") && control(req, res)) return;
	stats.requests++;
	if (faults.count > 0) {
		faults.count--;
		const code = FAULT_CODES[faults.status] || "InternalError";
		return sendError(req, res, new S3Error(faults.status, code, `Injected failure (${faults.count} more to come).`), "faulted");
	}
	let want;
	try {
		want = await verify(req);
	} catch (err) {
		if (!(err instanceof S3Error)) err = new S3Error(500, "InternalError", String(err && err.stack || err));
		// Rejected before "100 Continue": the client need not send the body.
		return sendError(req, res, err, "rejected");
	}
	if (expectsContinue) res.writeContinue();
	forward(req, res, want);
}

const server = http.createServer();
server.on("request", (req, res) => handle(req, res, false));
server.on("checkContinue", (req, res) => handle(req, res, true));
// Slow test uploads and injected delays must not hit Node's own deadlines.
server.requestTimeout = 0;
server.headersTimeout = 120000;

const writeStats = () => {
	if (!opt["stats-file"]) return process.stderr.write(statsText());
	fs.writeFileSync(opt["stats-file"] + ".tmp", JSON.stringify(stats) + "\n");
	fs.renameSync(opt["stats-file"] + ".tmp", opt["stats-file"]);
};
process.on("SIGUSR1", writeStats);
for (const sig of ["SIGTERM", "SIGINT"])
	process.on(sig, () => {
		writeStats();
		process.exit(0);
	});

server.listen(Number(opt.port), "127.0.0.1", () => {
	const { port } = server.address();
	// Written once listening, and renamed into place, so that whoever waits
	// for the file can connect as soon as it exists.
	fs.writeFileSync(opt["port-file"] + ".tmp", `${port}\n`);
	fs.renameSync(opt["port-file"] + ".tmp", opt["port-file"]);
	process.stderr.write(`s3front listening on 127.0.0.1:${port}, backend ${opt.backend}, region ${opt.region}\n`);
});
