// Identity administration: an organisation admin registers and enrols a user with the organisation's CA
// (the key is generated here, where it is used) and receives the user's API key.

import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CaError } from '../../../network/client/src';
import { UserAdminError, createUser } from '../auth/users';
import type { ApiContext } from '../context.type';
import { ApiError, ErrorCode, fromCaError } from '../errors';
import { CreateUserInput, CreatedUser, Me, UserRole } from './admin.type';
import { requireAdmin, requireCaller } from './resolve';

@Resolver()
export class AdminResolver {
  @Query(() => Me, { description: 'The identity behind the API key' })
  me(@Ctx() ctx: ApiContext): Me {
    const caller = requireCaller(ctx);
    return {
      partyId: caller.partyId,
      mspId: caller.mspId,
      enrollmentId: caller.enrollmentId,
      role: caller.role === 'admin' ? UserRole.admin : UserRole.user,
    };
  }

  @Mutation(() => CreatedUser, {
    description:
      "Organisation admins: register and enrol a user with the organisation's CA and issue its API key",
  })
  async createUser(
    @Arg('input', () => CreateUserInput) input: CreateUserInput,
    @Ctx() ctx: ApiContext,
  ): Promise<CreatedUser> {
    const admin = requireAdmin(ctx);
    const ca = ctx.services.cas.get(admin.mspId);
    if (!ca) throw new ApiError(ErrorCode.LEDGER_UNAVAILABLE, `no CA is configured for ${admin.mspId}`);
    try {
      const user = await createUser({
        wallet: ctx.services.wallet,
        apiKeys: ctx.services.apiKeys,
        ca,
        admin: admin.label,
        enrollmentId: input.enrollmentId,
        role: input.role,
        attrs: input.attrs,
        ...(input.description ? { description: input.description } : {}),
      });
      return {
        partyId: user.label,
        mspId: user.mspId,
        enrollmentId: user.enrollmentId,
        role: user.role === 'admin' ? UserRole.admin : UserRole.user,
        apiKey: user.apiKey,
      };
    } catch (err) {
      throw userAdminError(err);
    }
  }
}

function userAdminError(err: unknown): ApiError {
  if (err instanceof UserAdminError) {
    const code =
      err.code === 'ALREADY_EXISTS'
        ? ErrorCode.CONFLICT
        : err.code === 'INVALID_INPUT'
          ? ErrorCode.BAD_USER_INPUT
          : ErrorCode.FORBIDDEN;
    return new ApiError(code, err.message, { cause: err });
  }
  if (err instanceof CaError) return fromCaError(err);
  return new ApiError(ErrorCode.INTERNAL_SERVER_ERROR, (err as Error).message, { cause: err });
}
