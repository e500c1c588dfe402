import type { OrganizationConfig } from '../../config/schema';
import type { ImageTagGuardScpProps } from '../org/image-tag-guard-scp';

/**
 * The tag guard SCP's props from the organization config: the one mapping from config to the SCP's
 * trust model, used by the organization stack, the trust-model docs and the write-path matrix test, so
 * a signal added to the config reaches all three.
 */
export function tagGuardScpProps(org: OrganizationConfig): ImageTagGuardScpProps {
  return {
    tagKeys: org.approvalTagKeys,
    taggerPrincipals: org.taggerPrincipals,
    breakGlassPrincipals: org.breakGlassPrincipals,
    exceptionTagKeys: org.exceptionTagKeys,
    exceptionGranters: org.exceptionGranters,
    approvedImageIdsParameters: org.approvedImageIdsParameters,
    familyTagKeys: org.familyTagKeys,
    iamAdminPrincipals: org.iamAdminPrincipals,
    region: org.region,
  };
}
