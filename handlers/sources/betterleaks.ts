/**
 * Betterleaks (Gitleaks' successor; Gitleaks itself is frozen) writes Gitleaks' JSON report, so the
 * Gitleaks normaliser reads it; its triggers name `betterleaks` as their source.
 */
import { gitleaksLike } from './gitleaks.js';

export const BETTERLEAKS_SOURCE = 'betterleaks';

export const normalizeBetterleaks = gitleaksLike(BETTERLEAKS_SOURCE);
