// Validates documents against a JSON Schema with Ajv (draft-07), a validator other than
// policyc's own.
// usage: node validate_schema.js schema.json documents.json   (documents: [{"file", "document"}])
// Prints "file: VALID" or "file: INVALID <first error>" per document; exit 0.
"use strict";
const fs = require("fs");
const Ajv = require("ajv");

const schema = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const documents = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
for (const { file, document } of documents) {
  if (validate(document)) {
    console.log(`${file}: VALID`);
  } else {
    const e = validate.errors[0];
    console.log(`${file}: INVALID ${e.instancePath || "/"} ${e.message}`);
  }
}
