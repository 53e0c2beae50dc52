"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.callerOf = callerOf;
/**
 * The authenticated caller's principal id, as App Service authentication (Easy Auth) passes it in
 * `x-ms-client-principal` / `x-ms-client-principal-id`; undefined for anonymous or malformed headers
 * (an id that is not a non-empty string of at most 256 characters).
 * These headers can only be trusted when App Service authentication is enabled in front of the app
 * (it replaces whatever the client sent).
 * https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 */
function callerOf(request) {
    try {
        const id = request.user?.id;
        return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : undefined;
    }
    catch {
        return undefined;
    }
}
//# sourceMappingURL=caller.js.map