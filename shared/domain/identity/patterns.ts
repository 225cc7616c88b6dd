// Domain (identity): the text patterns of directory fields, free of any runtime API so that the wire schemas
// (shared/api) and a browser can use them; ids.ts and validation.ts re-export them for the server side.

/** Key ids we accept from clients: URL-safe, bounded. Anything else is computed (RFC 7638 thumbprint). */
export const kidPattern = /^[A-Za-z0-9._~-]{1,128}$/;

/** BCP 47 language tags as the directory accepts them (`en`, `fr`, `pt-BR`). */
export const languagePattern = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

/** Treaty ids (`budapest`, `bilateral:XA-XB`). */
export const treatyPattern = /^[a-z0-9][A-Za-z0-9:._-]{0,63}$/;
