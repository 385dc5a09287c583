// Validates Kubernetes objects against the Kubernetes OpenAPI schemas (kubernetes-models).
// usage: node validate_k8s.js objects.json   (a JSON array of {"file", "object"})
// Prints one line per invalid object and exits 1 if any; objects of kinds the package does not
// model (custom resources) are counted as skipped.
"use strict";
const fs = require("fs");

function modelFor(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const modulePath = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  try {
    return require(modulePath)[kind];
  } catch (e) {
    return undefined;
  }
}

const items = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let valid = 0, invalid = 0, skipped = 0;
for (const { file, object } of items) {
  const Model = modelFor(object.apiVersion || "", object.kind || "");
  if (!Model) {
    skipped++;
    continue;
  }
  try {
    new Model(object).validate();
    valid++;
  } catch (e) {
    invalid++;
    console.log(`${file}: ${object.kind}: ${e.message}`);
  }
}
console.log(`kubernetes-models: ${valid} valid, ${invalid} invalid, ${skipped} skipped (custom resources)`);
process.exit(invalid > 0 ? 1 : 0);
