/** Name of the API-key security scheme in the OpenAPI document. */
export const API_KEY_SECURITY = 'api-key';
