import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { constantTimeEqual, sha256Hex } from '../lib/crypto.js';
import type { ApiKeyRole } from '../db/database.js';
import type { Principal, SellerService } from '../sellers/seller-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const bearer = (request: FastifyRequest) => /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];

/** onRequest hook: a valid seller API key, else 401 before the body is even read. */
export function requireSeller(sellers: Pick<SellerService, 'authenticate'>, roles?: readonly ApiKeyRole[]) {
  return async (request: FastifyRequest) => {
    const key = bearer(request);
    if (!key) throw new AppError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key>', [{ field: 'authorization', message: 'missing' }]);
    const principal = await sellers.authenticate(key);
    if (!principal) throw new AppError('UNAUTHORIZED', 'Unknown or revoked API key', [{ field: 'authorization', message: 'unknown key' }]);
    if (roles && !roles.includes(principal.role)) throw new AppError('FORBIDDEN', `This key's role (${principal.role}) may not do this`);
    // Auditors are read-only everywhere, whatever a route's own role list says.
    if (principal.role === 'auditor' && !READ_METHODS.has(request.method)) throw new AppError('FORBIDDEN', 'Auditor keys are read-only');
    request.principal = principal;
  };
}

/** onRequest hook for operator endpoints: the PLEDGE_ADMIN_TOKEN, compared in constant time. */
export function requireAdmin(adminToken: string | undefined) {
  const expected = adminToken ? sha256Hex(adminToken) : undefined;
  return async (request: FastifyRequest) => {
    const token = bearer(request);
    if (!expected) throw new AppError('FORBIDDEN', 'Admin endpoints are disabled: set PLEDGE_ADMIN_TOKEN');
    if (!token || !constantTimeEqual(sha256Hex(token), expected)) {
      throw new AppError('UNAUTHORIZED', 'Missing or wrong admin token', [{ field: 'authorization', message: 'admin token required' }]);
    }
  };
}
