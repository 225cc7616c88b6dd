// Portal i18n: every problem code in plain words, in English and French. A record keyed by PouchErrorCode, not
// open-ended catalogue keys, so a code added to shared/domain/errors.ts fails the typecheck here until it has its
// words in both languages. ProblemView (ui/problem-view.tsx) shows them with the code itself.
import type { PouchErrorCode } from '../../../shared/domain/errors.ts';
import type { Language } from './catalogue.ts';

export type ErrorWords = Readonly<Record<PouchErrorCode, string>>;

const en: ErrorWords = {
  ERR_VALIDATION: 'Something given is not valid (for a keystore: this file is not a Pouch member keystore).',
  ERR_MALFORMED_JSON: 'The exchange could not read what was sent. Reload the page and try again.',
  ERR_PAYLOAD_TOO_LARGE: 'What was sent is too large for the exchange.',
  ERR_NOT_FOUND: 'Not found, or not yours to see.',
  ERR_METHOD_NOT_ALLOWED:
    'The exchange does not offer this action. Reload the page: this portal may be out of date.',
  ERR_UNSUPPORTED_MEDIA_TYPE:
    'The exchange does not accept this kind of content. Reload the page: this portal may be out of date.',
  ERR_CONFLICT: 'That action conflicts with what is already running or done: reload the page.',
  ERR_MESSAGE_IMMUTABLE: 'This message was already sent and cannot change: send a new one instead.',
  ERR_IDEMPOTENCY_MISMATCH:
    'A repeated step did not match the first attempt: reload the page and start this step again.',
  ERR_INVALID_STATE: 'The exchange has moved on: this step is no longer allowed. Reload the page.',
  ERR_RATE_LIMITED: 'Too many requests: wait a moment and try again.',
  ERR_QUOTA_EXCEEDED: 'Your authority has used its quota for now: try again later or ask your admin.',
  ERR_UNAUTHENTICATED: 'The exchange did not accept your sign-in. Sign out and in again.',
  ERR_TOKEN_INVALID: 'The exchange did not accept your sign-in. Sign out and in again.',
  ERR_TOKEN_EXPIRED: 'Your sign-in expired. Try again; if it persists, check this computer’s clock.',
  ERR_TOKEN_REPLAYED: 'A sign-in was used twice. Try again.',
  ERR_KEY_UNKNOWN: 'The exchange does not know this key: ask your admin to register it.',
  ERR_KEY_REVOKED: 'This key was revoked: ask your admin for a new one.',
  ERR_KEY_UNSIGNED: 'Your authority has not signed this key yet: ask your admin to approve it.',
  ERR_FORBIDDEN: 'Your role does not allow this.',
  ERR_DIRECTORY_SCOPE: 'This directory change reaches outside the authority you administer.',
  ERR_MEMBER_DEACTIVATED: 'Your membership was deactivated by your authority: ask your admin.',
  ERR_AUTHORITY_SUSPENDED:
    'That authority is suspended by the operator: nothing can be exchanged with it now.',
  ERR_STATEMENT_INVALID: 'The authority’s signed keys do not verify: do not send.',
  ERR_AUTHORITY_NOT_PINNED:
    'That authority is not pinned in this browser: nothing was sealed to it. Compare its fingerprint with the one it gave you and pin it in the directory.',
  ERR_AUTHORITY_PIN_MISMATCH:
    'The fingerprint does not match the authority key the directory serves: do not send; call the authority.',
  ERR_DIRECTORY_LOG_MISMATCH:
    'The directory shows this authority differently from its logged history: do not send; tell your admin.',
  ERR_CONFIG: 'The exchange is not configured correctly: tell its operator.',
  ERR_INSECURE_URL: 'The exchange’s address is not secure (https): do not use it.',
  ERR_PORT_IN_USE: 'The exchange could not start: its port is in use.',
  ERR_STORAGE: 'Storage failed. Try again shortly.',
  ERR_STORAGE_THROTTLED: 'Storage is busy. Try again shortly.',
  ERR_SIGNER: 'The exchange could not sign. Try again shortly; if it persists, tell its operator.',
  ERR_DEPENDENCY_UNAVAILABLE: 'Storage or the exchange is unavailable. Try again shortly.',
  ERR_SEAL_FORMAT: 'This is not a sealed file Pouch can open.',
  ERR_SEAL_INTEGRITY: 'The sealed file is damaged: it was not saved.',
  ERR_SEAL_NO_IDENTITY: 'The passphrase is wrong, or this file is not sealed to your authority.',
  ERR_SEAL_RECIPIENTS_MIXED:
    'The authorities’ keys are of different kinds (post-quantum and classic): nothing was sealed. Tell your admin.',
  ERR_HASH_MISMATCH: 'The file does not match its signed digest: it was not saved.',
  ERR_SIGNATURE_INVALID: 'A signature does not verify: do not rely on this message.',
  ERR_MANIFEST_INVALID: 'The signed manifest does not match the message: do not rely on it.',
  ERR_LABEL_MISMATCH: 'The label disagrees with what the sender sealed: do not rely on it.',
  ERR_LEDGER_CONFLICT:
    'Someone else changed this exchange at the same moment: reload the page and try again.',
  ERR_LEDGER_BROKEN: 'The custody record does not verify: do not rely on it; tell your admin.',
  ERR_LEDGER_FORKED:
    'The custody record was rewritten after it was logged: do not rely on it; tell your admin.',
  ERR_PROOF_INVALID: 'A custody proof does not verify: do not rely on it.',
  ERR_DRAFT_INVALID: 'The draft is not valid: fix what the check lists.',
  ERR_AUTHORITY_AMBIGUOUS: 'More than one authority matches: choose one from the list.',
  ERR_AUTHORITY_NOT_FOUND: 'No authority matches: search the directory by name, country or id.',
  ERR_PROFILE_INVALID: 'The requirement profile does not have the published shape: fix the fields listed.',
  ERR_PROFILE_FIELD_UNKNOWN: 'The profile requires a field no request can carry: remove or rename it.',
  ERR_INTERNAL:
    'Something went wrong. Try again; if it persists, give the problem code to your administrator.',
};

const fr: ErrorWords = {
  ERR_VALIDATION:
    'Une donnée n’est pas valide (pour un trousseau : ce fichier n’est pas un trousseau de membre Pouch).',
  ERR_MALFORMED_JSON: 'La plateforme n’a pas pu lire ce qui a été envoyé. Rechargez la page et réessayez.',
  ERR_PAYLOAD_TOO_LARGE: 'Ce qui a été envoyé est trop volumineux pour la plateforme.',
  ERR_NOT_FOUND: 'Introuvable, ou vous n’y avez pas accès.',
  ERR_METHOD_NOT_ALLOWED:
    'La plateforme ne propose pas cette action. Rechargez la page : ce portail n’est peut-être pas à jour.',
  ERR_UNSUPPORTED_MEDIA_TYPE:
    'La plateforme n’accepte pas ce type de contenu. Rechargez la page : ce portail n’est peut-être pas à jour.',
  ERR_CONFLICT: 'Cette action entre en conflit avec ce qui est déjà en cours ou fait : rechargez la page.',
  ERR_MESSAGE_IMMUTABLE: 'Ce message a déjà été envoyé et ne peut plus changer : envoyez-en un nouveau.',
  ERR_IDEMPOTENCY_MISMATCH:
    'Une étape répétée ne correspond pas à la première tentative : rechargez la page et recommencez cette étape.',
  ERR_INVALID_STATE: 'L’échange a évolué : cette étape n’est plus permise. Rechargez la page.',
  ERR_RATE_LIMITED: 'Trop de requêtes : patientez un instant puis réessayez.',
  ERR_QUOTA_EXCEEDED:
    'Votre autorité a atteint son quota pour le moment : réessayez plus tard ou demandez à votre administrateur.',
  ERR_UNAUTHENTICATED:
    'La plateforme n’a pas accepté votre connexion. Déconnectez-vous puis reconnectez-vous.',
  ERR_TOKEN_INVALID: 'La plateforme n’a pas accepté votre connexion. Déconnectez-vous puis reconnectez-vous.',
  ERR_TOKEN_EXPIRED:
    'Votre connexion a expiré. Réessayez ; si cela persiste, vérifiez l’horloge de cet ordinateur.',
  ERR_TOKEN_REPLAYED: 'Une connexion a été utilisée deux fois. Réessayez.',
  ERR_KEY_UNKNOWN:
    'La plateforme ne connaît pas cette clé : demandez à votre administrateur de l’enregistrer.',
  ERR_KEY_REVOKED: 'Cette clé a été révoquée : demandez-en une nouvelle à votre administrateur.',
  ERR_KEY_UNSIGNED:
    'Votre autorité n’a pas encore signé cette clé : demandez à votre administrateur de l’approuver.',
  ERR_FORBIDDEN: 'Votre rôle ne le permet pas.',
  ERR_DIRECTORY_SCOPE: 'Cette modification de l’annuaire sort de l’autorité que vous administrez.',
  ERR_MEMBER_DEACTIVATED: 'Votre autorité a désactivé votre compte : adressez-vous à votre administrateur.',
  ERR_AUTHORITY_SUSPENDED:
    'Cette autorité est suspendue par l’opérateur : aucun échange n’est possible avec elle pour l’instant.',
  ERR_STATEMENT_INVALID: 'Les clés signées de l’autorité ne se vérifient pas : n’envoyez rien.',
  ERR_AUTHORITY_NOT_PINNED:
    'Cette autorité n’est pas épinglée dans ce navigateur : rien ne lui a été scellé. Comparez son empreinte avec celle qu’elle vous a donnée et épinglez-la dans l’annuaire.',
  ERR_AUTHORITY_PIN_MISMATCH:
    'L’empreinte ne correspond pas à la clé d’autorité que sert l’annuaire : n’envoyez rien ; appelez l’autorité.',
  ERR_DIRECTORY_LOG_MISMATCH:
    'L’annuaire présente cette autorité autrement que son historique journalisé : n’envoyez rien ; prévenez votre administrateur.',
  ERR_CONFIG: 'La plateforme n’est pas configurée correctement : prévenez son opérateur.',
  ERR_INSECURE_URL: 'L’adresse de la plateforme n’est pas sécurisée (https) : ne l’utilisez pas.',
  ERR_PORT_IN_USE: 'La plateforme n’a pas pu démarrer : son port est occupé.',
  ERR_STORAGE: 'Le stockage a échoué. Réessayez dans un instant.',
  ERR_STORAGE_THROTTLED: 'Le stockage est occupé. Réessayez dans un instant.',
  ERR_SIGNER:
    'La plateforme n’a pas pu signer. Réessayez dans un instant ; si cela persiste, prévenez son opérateur.',
  ERR_DEPENDENCY_UNAVAILABLE: 'Le stockage ou la plateforme est indisponible. Réessayez dans un instant.',
  ERR_SEAL_FORMAT: 'Ce n’est pas un fichier scellé que Pouch sait ouvrir.',
  ERR_SEAL_INTEGRITY: 'Le fichier scellé est endommagé : il n’a pas été enregistré.',
  ERR_SEAL_NO_IDENTITY: 'La phrase secrète est erronée, ou ce fichier n’est pas scellé pour votre autorité.',
  ERR_SEAL_RECIPIENTS_MIXED:
    'Les clés des autorités sont de types différents (post-quantique et classique) : rien n’a été scellé. Prévenez votre administrateur.',
  ERR_HASH_MISMATCH: 'Le fichier ne correspond pas à son empreinte signée : il n’a pas été enregistré.',
  ERR_SIGNATURE_INVALID: 'Une signature n’est pas valide : ne vous fiez pas à ce message.',
  ERR_MANIFEST_INVALID: 'Le manifeste signé ne correspond pas au message : ne vous y fiez pas.',
  ERR_LABEL_MISMATCH: 'L’étiquette ne correspond pas à ce que l’expéditeur a scellé : ne vous y fiez pas.',
  ERR_LEDGER_CONFLICT: 'Quelqu’un a modifié cet échange au même moment : rechargez la page et réessayez.',
  ERR_LEDGER_BROKEN:
    'Le registre de traçabilité ne se vérifie pas : ne vous y fiez pas ; prévenez votre administrateur.',
  ERR_LEDGER_FORKED:
    'Le registre de traçabilité a été réécrit après sa journalisation : ne vous y fiez pas ; prévenez votre administrateur.',
  ERR_PROOF_INVALID: 'Une preuve de traçabilité ne se vérifie pas : ne vous y fiez pas.',
  ERR_DRAFT_INVALID: 'Le projet n’est pas valide : corrigez ce que le contrôle signale.',
  ERR_AUTHORITY_AMBIGUOUS: 'Plusieurs autorités correspondent : choisissez-en une dans la liste.',
  ERR_AUTHORITY_NOT_FOUND:
    'Aucune autorité ne correspond : cherchez dans l’annuaire par nom, pays ou identifiant.',
  ERR_PROFILE_INVALID: 'Le profil d’exigences n’a pas la forme publiée : corrigez les champs signalés.',
  ERR_PROFILE_FIELD_UNKNOWN:
    'Le profil exige un champ qu’aucune demande ne peut porter : retirez-le ou renommez-le.',
  ERR_INTERNAL:
    'Une erreur s’est produite. Réessayez ; si cela persiste, donnez le code du problème à votre administrateur.',
};

export const errorWords: Readonly<Record<Language, ErrorWords>> = { en, fr };

/** Whether a code received (from an answer or a newer exchange) is one this portal has words for. */
export function hasErrorWords(code: string): code is PouchErrorCode {
  return Object.hasOwn(en, code);
}
