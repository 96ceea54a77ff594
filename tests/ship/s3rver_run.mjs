// Runs s3rver on 127.0.0.1 with its data in a directory, creates the bucket,
// and accepts the tests' access key id (s3rver knows only "S3RVER" and checks
// nothing else of a V4 signature: s3front.mjs does that). Writes the port it
// listens on to PORT_FILE once it listens; PORT 0 picks a free one, and a
// restart passes the same port again so that the front finds it.
//
//   node s3rver_run.mjs MODULES_DIR DATA_DIR PORT PORT_FILE BUCKET KEY_ID SECRET

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [modules, dir, port, portFile, bucket, keyId, secret] = process.argv.slice(2);
if (!secret) {
	console.error("usage: s3rver_run.mjs MODULES_DIR DATA_DIR PORT PORT_FILE BUCKET KEY_ID SECRET");
	process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), "node_modules", "index.js"));
const S3rver = require("s3rver");
const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account");
const FilesystemStore = require("s3rver/lib/stores/filesystem");
DUMMY_ACCOUNT.createKeyPair(keyId, secret);

// s3rver answers a PUT (of an object or of a part) once its hashing stream
// has seen the last byte, before the file stream has written it: a GET, a
// copy or a CompleteMultipartUpload right after the answer can read a short
// file (seen: an object read back empty a few ms after its PUT). S3 answers
// once the object is stored; so does this, by waiting until the file has the
// size s3rver counted.
async function untilWritten(file, size) {
	for (let i = 0; i < 6000; i++) {
		try {
			if (fs.statSync(file).size >= size) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 5));
	}
	throw new Error(`${file} did not reach ${size} bytes within 30 s`);
}
const { putObject, putPart } = FilesystemStore.prototype;
FilesystemStore.prototype.putObject = async function (object) {
	const result = await putObject.call(this, object);
	await untilWritten(this.getResourcePath(object.bucket, object.key, "object"), result.size);
	return result;
};
FilesystemStore.prototype.putPart = async function (bucket, uploadId, partNumber, content) {
	const result = await putPart.call(this, bucket, uploadId, partNumber, content);
	await untilWritten(path.join(this.getResourcePath(bucket, undefined, "uploads"), uploadId, partNumber.toString()), result.size);
	return result;
};

fs.mkdirSync(dir, { recursive: true });
const server = new S3rver({
	address: "127.0.0.1",
	port: Number(port),
	directory: dir,
	// Creating a bucket that exists keeps its objects (a restart after a
	// crash must find the data it had). s3front.mjs receives each PUT of an
	// object into s3front-staging first and copies it into place once the
	// body is complete and verified.
	configureBuckets: [{ name: bucket, configs: [] }, { name: "s3front-staging", configs: [] }],
	// The front turns virtual-hosted requests into path-style ones.
	vhostBuckets: false,
	silent: false,
});
const { port: bound } = await server.run();
fs.writeFileSync(portFile + ".tmp", `${bound}\n`);
fs.renameSync(portFile + ".tmp", portFile);
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
