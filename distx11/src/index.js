"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const functions_1 = require("@azure/functions");
// HTTP streams let the submit function pipe request bodies of any size straight to Blob storage
// (claim check) and the status function stream results, with flat memory.
// https://learn.microsoft.com/azure/azure-functions/functions-reference-node#http-streams
functions_1.app.setup({ enableHttpStream: true });
//# sourceMappingURL=index.js.map