/**
 * `defineFamily`: a definition file's one export goes through the schema when the module loads, so
 * a malformed definition fails every test and the start of the service, not a revocation.
 */
import { FamilyDefinition, type FamilyDefinitionInput } from '../../../schemas/providers/family.js';

export function defineFamily(input: FamilyDefinitionInput): FamilyDefinition {
  return Object.freeze(FamilyDefinition.parse(input));
}
