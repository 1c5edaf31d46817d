// Rule-based prompt-injection detector for every text an AI step reads (captured text, memory
// snippets, OCR'd attachments). No model: families of patterns over a normalised text.
//
// Normalisation: NFKC; zero-width and bidi control characters stripped; quotes folded; lowercase.
// Variants scanned besides that base text: homoglyph folding of mixed-script words (Cyrillic/Greek
// look-alikes inside Latin words), leetspeak folding of letter+digit words, letter-spaced runs
// collapsed ("i g n o r e"), and decoded blobs (base64, hex, %-encoding) scanned recursively.
//
// Families (multilingual lexicons: en, de, fr, es, fi, ru): override (ignore/forget + qualifier +
// instructions), persona (you are now / pretend / act as admin / developer mode), prompt-leak
// (reveal + system prompt / secrets, repeat the text above), exfiltration (send … to a URL/e-mail,
// markdown image beacons, harvesting all names), delimiter (chat-template tokens, fake system
// headers, role lines), governance (mark as compliant/GREEN, skip the review, approve everything,
// raise the budget, drop findings), addressing (notes "to the AI"), encoded (a hidden blob that
// carries a signal), obfuscation (zero-width, mixed scripts, letter spacing).
//
// Each rule has a weight; an input's score is the sum of the weights of the distinct rules that
// matched (in any variant). An input scoring >= 1 is an injection: strong rules weigh 1, weak cues
// 0.3-0.6 and need company, so a field note that says "ignore the first reading" or mentions the
// HMI's "system prompt" is not flagged.
import type { AiInput, InjectionFamily, InjectionReport, InjectionSignal } from '../../../shared/policy/types';

export const INJECTION_THRESHOLD = 1;

// ---------------------------------------------------------------------------------------------
// Regex building blocks. Word characters are the scripts the lexicons cover (Latin with its
// accents, Greek, Cyrillic) plus digits: explicit ranges, much faster than \p{L} in V8, and \b is
// ASCII-only in JavaScript.
const W = 'a-z0-9_\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff';
const B = `(?<![${W}])`;
const E = `(?![${W}])`;
const alt = (xs: readonly string[]): string => `(?:${xs.join('|')})`;
const word = (xs: readonly string[]): string => `${B}${alt(xs)}${E}`;
/** Up to n words between two words, within one sentence. */
const gap = (n: number): string => `[^${W}.!?\\n]+(?:[${W}'-]+[^${W}.!?\\n]+){0,${n}}`;
/** Words and gaps: seq(A, 2, B) = A, up to 2 words, B. */
function seq(...parts: (readonly string[] | number | string)[]): string {
  return parts.map((p) => (typeof p === 'number' ? gap(p) : typeof p === 'string' ? p : word(p))).join('');
}
/** An inflection suffix (instead of \p{L}*). */
const SUF = `[${W}]*`;

// Lexicons (lowercase; \p{L}* for inflections, rewritten to SUF when the rules are compiled).
const OVERRIDE_VERB = [
  'ignore',
  'ignoring',
  'disregard',
  'forget',
  'override',
  'bypass',
  'neglect',
  'discard',
  'skip',
  'ignorier\\p{L}*',
  'vergiss',
  'vergessen',
  'missacht\\p{L}*',
  'übergeh\\p{L}*',
  'ignore[zr]?',
  'oubli\\p{L}*',
  'ne tiens pas compte',
  'ne tenez pas compte',
  'fais abstraction',
  'ignora\\p{L}*',
  'ignore[ns]?',
  'olvid\\p{L}*',
  'no hagas caso',
  'haz caso omiso',
  'no hagan caso',
  'ohita',
  'ohittakaa',
  'unohda',
  'unohtakaa',
  'sivuuta',
  'älä välitä',
  'älkää välittäkö',
  'jätä huomiotta',
  'игнорир\\p{L}*',
  'проигнорир\\p{L}*',
  'забудь\\p{L}*',
  'забыть',
  'не обращай\\p{L}* внимания',
];
const NO_FOLLOW = [
  'do not follow',
  "don't follow",
  'stop following',
  'do not obey',
  "don't obey",
  'befolge nicht',
  'ne suis pas',
  'ne suivez pas',
  'no sigas',
  'no sigan',
  'älä noudata',
  'не следуй',
  'не выполняй',
];
const QUALIFIER = [
  'all',
  'any',
  'every',
  'previous',
  'prior',
  'above',
  'earlier',
  'preceding',
  'foregoing',
  'your',
  'initial',
  'original',
  'system',
  'these',
  'those',
  'existing',
  'default',
  'safety',
  'alle',
  'alles',
  'sämtliche',
  'vorherig\\p{L}*',
  'bisherig\\p{L}*',
  'obig\\p{L}*',
  'vorangegangen\\p{L}*',
  'früher\\p{L}*',
  'dein\\p{L}*',
  'ihre\\p{L}*',
  'toutes',
  'tous',
  'tout',
  'précédent\\p{L}*',
  'antérieur\\p{L}*',
  'ci-dessus',
  'tes',
  'vos',
  'ton',
  'votre',
  'todas',
  'todos',
  'todo',
  'anterior\\p{L}*',
  'previa\\p{L}*',
  'previo\\p{L}*',
  'tus',
  'sus',
  'de arriba',
  'kaikki',
  'aiem\\p{L}*',
  'edelli\\p{L}*',
  'aikaisem\\p{L}*',
  'yllä',
  'ylläolev\\p{L}*',
  'все',
  'всё',
  'предыдущ\\p{L}*',
  'прежн\\p{L}*',
  'выше',
  'сво\\p{L}*',
  'системн\\p{L}*',
];
const TARGET = [
  'instructions?',
  'directions?',
  'directives?',
  'rules?',
  'prompts?',
  'guidelines?',
  'guardrails?',
  'constraints?',
  'restrictions?',
  'polic(?:y|ies)',
  'context',
  'programming',
  'orders?',
  'safeguards?',
  'anweisung\\p{L}*',
  'instruktion\\p{L}*',
  'regel\\p{L}*',
  'richtlinie\\p{L}*',
  'vorgabe\\p{L}*',
  'einschränkung\\p{L}*',
  'systemprompt\\p{L}*',
  'instruction\\p{L}*',
  'consigne\\p{L}*',
  'règle\\p{L}*',
  'directive\\p{L}*',
  'restriction\\p{L}*',
  'indication\\p{L}*',
  'instruccion\\p{L}*',
  'instrucción',
  'regla\\p{L}*',
  'directriz',
  'directrices',
  'indicacion\\p{L}*',
  'restriccion\\p{L}*',
  'normas',
  'ohje\\p{L}*',
  'sään\\p{L}*',
  'sääntö\\p{L}*',
  'rajoitu\\p{L}*',
  'kehot\\p{L}*',
  'määräy\\p{L}*',
  'инструкци\\p{L}*',
  'указани\\p{L}*',
  'правил\\p{L}*',
  'ограничени\\p{L}*',
  'промпт\\p{L}*',
];
const EVERYTHING = ['everything', 'anything', 'all', 'alles', 'tout', 'todo', 'kaikki', 'всё', 'все'];
const TOLD = [
  'you were told',
  "you've been told",
  'you have been told',
  'you were given',
  'you have been given',
  'was dir',
  'was ihnen',
  "ce qu'on t'a",
  'ce que',
  'lo que',
  'mitä',
  'что тебе',
];
const HIDDEN = [
  'hidden',
  'secret',
  'internal',
  'versteckt\\p{L}*',
  'geheim\\p{L}*',
  'caché\\p{L}*',
  'secrèt\\p{L}*',
  'oculta\\p{L}*',
  'secreta\\p{L}*',
  'piilotet\\p{L}*',
  'salai\\p{L}*',
  'скрыт\\p{L}*',
  'секретн\\p{L}*',
];
const LEAK_NOUN = [
  'system ?prompts?',
  'system messages?',
  'system instructions?',
  'initial prompt',
  'original prompt',
  'your prompt',
  'your instructions',
  'context window',
  'developer message',
  'systemprompt\\p{L}*',
  'system-prompt\\p{L}*',
  'systemnachricht\\p{L}*',
  'systemanweisung\\p{L}*',
  'prompt système',
  'message système',
  'instructions système',
  'invite système',
  'prompt del sistema',
  'mensaje de sistema',
  'mensaje del sistema',
  'instrucciones de sistema',
  'instrucciones del sistema',
  'järjestelmäkehot\\p{L}*',
  'järjestelmäviest\\p{L}*',
  'järjestelmäohje\\p{L}*',
  'системн\\p{L}* промпт\\p{L}*',
  'системн\\p{L}* сообщени\\p{L}*',
  'системн\\p{L}* инструкци\\p{L}*',
];
const SECRET_NOUN = [
  'api[- ]?keys?',
  'api[- ]?schlüssel\\p{L}*',
  "clé d'api",
  'clé api',
  'clave de (?:la )?api',
  'api-avain\\p{L}*',
  'ключ\\p{L}* api',
  'passwords?',
  'passwort',
  'mot de passe',
  'contraseña',
  'salasan\\p{L}*',
  'парол\\p{L}*',
  'credentials',
  'secret tokens?',
  'signing keys?',
  'private keys?',
];
const LEAK_VERB = [
  'reveal',
  'show',
  'print',
  'output',
  'repeat',
  'display',
  'tell',
  'dump',
  'give',
  'disclose',
  'leak',
  'expose',
  'append',
  'echo',
  'zeig\\p{L}*',
  'gib',
  'verrat\\p{L}*',
  'wiederhol\\p{L}*',
  'nenne',
  'révèle\\p{L}*',
  'affiche\\p{L}*',
  'montre\\p{L}*',
  'répète\\p{L}*',
  'donne\\p{L}*',
  'divulgue\\p{L}*',
  'revela\\p{L}*',
  'muestra\\p{L}*',
  'muéstra\\p{L}*',
  'repite\\p{L}*',
  'dame',
  'imprime',
  'näytä',
  'paljasta',
  'toista',
  'kerro',
  'tulosta',
  'покажи',
  'раскрой',
  'повтори',
  'выведи',
  'скажи',
  'назови',
  'выдай',
];
const REPEAT_VERB = ['repeat', 'print', 'output', 'copy', 'recite', 'wiederhol\\p{L}*', 'répète\\p{L}*', 'répétez', 'repite\\p{L}*', 'toista', 'повтори'];
const TEXT_NOUN = ['text', 'everything', 'words', 'content', 'lines', 'texte', 'texto', 'teksti\\p{L}*', 'текст\\p{L}*'];
const ABOVE = ['above', 'before this', 'oberhalb', 'oben', 'ci-dessus', 'au-dessus', 'arriba', 'yllä', 'выше'];
const YOU_ARE_NOW = [
  'you are now',
  "you're now",
  'you are no longer',
  "you're no longer",
  'from now on you are',
  'you will now act',
  'du bist jetzt',
  'du bist nun',
  'du bist ab sofort',
  'sie sind jetzt',
  'sie sind nun',
  'tu es maintenant',
  'tu es désormais',
  'vous êtes maintenant',
  'vous êtes désormais',
  'ahora eres',
  'ahora usted es',
  'a partir de ahora eres',
  'ya no eres',
  'olet nyt',
  'olet tästä lähtien',
  'et ole enää',
  'теперь ты',
  'ты теперь',
  'отныне ты',
  'ты больше не',
];
const PRETEND = [
  'pretend',
  'roleplay',
  'role-play',
  'play the role',
  'tu so',
  'tun sie so',
  'fais semblant',
  'faites semblant',
  'finge',
  'finja',
  'haz como si',
  'teeskentele',
  'esitä olevasi',
  'притворись',
  'притворитесь',
  'представь, что ты',
];
const PRETEND_TO_BE = [
  "pretend (?:to be|you are|that you are|you're)",
  'roleplay as',
  'role-play as',
  'play the role of',
  'tu so,? als',
  "fais semblant d'être",
  'finge que eres',
  'finge ser',
  'teeskentele olevasi',
  'притворись\\p{L}*',
];
const ACT_VERB = ['act', 'acting', 'behave', 'pose', 'handle', 'agis', 'agissez', 'actúa', 'actúe', 'toimi', 'toimikaa', 'действуй', 'веди себя'];
const PRIVILEGED = [
  'reviewer',
  'approver',
  'admin\\p{L}*',
  'administra\\p{L}*',
  'superuser',
  'root',
  'developer',
  'system',
  'unfiltered',
  'unrestricted',
  'supervisor',
  'prüfer\\p{L}*',
  'relecteur',
  'revisor',
  'ylläpitäj\\p{L}*',
  'pääkäyttäj\\p{L}*',
  'администратор\\p{L}*',
  'рецензент\\p{L}*',
];
const UNRESTRICTED = [
  'unrestricted',
  'unfiltered',
  'uncensored',
  'no rules',
  'no restrictions',
  'no filters?',
  'no limits',
  'without (?:any )?(?:filters?|restrictions|rules|limits)',
  'uneingeschränkt\\p{L}*',
  'ohne (?:regeln|filter|einschränkungen)',
  'sans (?:restrictions?|filtres?|règles?|limites?)',
  'sin (?:restricciones|filtros?|reglas|límites)',
  'rajoituksista vapaa',
  'ilman (?:suodattimia|rajoituksia|sääntöjä)',
  'без (?:ограничений|фильтров|правил)',
];
const DEV_MODE = [
  'developer mode',
  'dev mode',
  'god mode',
  'jailbreak\\p{L}*',
  'jailbroken',
  'entwicklermodus',
  'mode développeur',
  'modo desarrollador',
  'kehittäjätila\\p{L}*',
  'режим\\p{L}* разработчика',
];
const SEND_VERB = [
  'send',
  'post',
  'upload',
  'forward',
  'e-?mail',
  'transmit',
  'export',
  'leak',
  'share',
  'exfiltrate',
  'sende\\p{L}*',
  'schick\\p{L}*',
  'übermittle\\p{L}*',
  'leite\\p{L}* weiter',
  'envoie\\p{L}*',
  'envoyez',
  'transmets',
  'transmettez',
  'transfère',
  'envía\\p{L}*',
  'envia\\p{L}*',
  'manda\\p{L}*',
  'reenvía',
  'lähetä',
  'lähettäkää',
  'välitä',
  'отправь\\p{L}*',
  'перешли',
  'вышли',
  'загрузи',
];
const DESTINATION = `(?:https?://|www\\.|ftp://|[${W}.%+-]+@[${W}-]+\\.[${W}.]{2,}|pastebin|webhook|ngrok)`;
const LIST_VERB = [
  'list',
  'export',
  'dump',
  'output',
  'collect',
  'enumerate',
  'liste\\p{L}*',
  'ausgeben',
  'lister',
  'listez',
  'listar',
  'enumera',
  'listaa',
  'luettele',
  'перечисл\\p{L}*',
  'выведи',
];
const ALL = ['all', 'every', 'alle', 'sämtliche', 'tous', 'toutes', 'todos', 'todas', 'kaikki', 'kaikkien', 'всех', 'все'];
const PERSONAL = [
  'names?',
  'phone numbers?',
  'phones',
  'e-?mails?',
  'addresses',
  'collectors?',
  'inspectors?',
  'namen',
  'sammlernamen',
  'telefonnummern',
  'noms',
  'téléphones',
  'nombres',
  'teléfonos',
  'recolectores',
  'nimet',
  'nimiä',
  'puhelinnumer\\p{L}*',
  'kerääjien',
  'имена',
  'телефон\\p{L}*',
  'сборщик\\p{L}*',
];
const MARK_VERB = [
  'mark',
  'classify',
  'rate',
  'set',
  'label',
  'flag',
  'change',
  'record',
  'report',
  'treat',
  'markier\\p{L}*',
  'stuf\\p{L}*',
  'setze\\p{L}*',
  'setzen',
  'einstufen',
  'marque\\p{L}*',
  'classe\\p{L}*',
  'fixe\\p{L}*',
  'mets',
  'marca',
  'marque',
  'clasifi\\p{L}*',
  'pon',
  'ponga',
  'merkitse',
  'luokittele',
  'aseta',
  'отметь\\p{L}*',
  'классифицир\\p{L}*',
  'установи',
  'поставь',
];
const OK_VALUE = [
  'compliant',
  'approved',
  'safe',
  'green',
  'low',
  'no issues',
  'all clear',
  'passed',
  'konform',
  'grün',
  'freigegeben',
  'genehmigt',
  'niedrig',
  'unbedenklich',
  'conforme',
  'approuvé\\p{L}*',
  'verte?',
  'faible',
  'sûr',
  'aprobado',
  'verde',
  'bajo',
  'seguro',
  'hyväksyty\\p{L}*',
  'vihreä\\p{L}*',
  'matala\\p{L}*',
  'turvallise\\p{L}*',
  'соответствующ\\p{L}*',
  'зелён\\p{L}*',
  'зелен\\p{L}*',
  'одобрен\\p{L}*',
  'низк\\p{L}*',
  'безопасн\\p{L}*',
];
const RISK = ['risk', 'lane', 'risiko', 'risque', 'voie', 'riesgo', 'riski', 'риск'];
const SKIP_VERB = [
  'skip',
  'bypass',
  'avoid',
  'circumvent',
  'omit',
  'überspring\\p{L}*',
  'umgeh\\p{L}*',
  'saute\\p{L}*',
  'contourne\\p{L}*',
  'omite',
  'omitir',
  'sáltate',
  'salta',
  'ohita',
  'ohittakaa',
  'пропусти\\p{L}*',
  'обойди',
];
const REVIEW = [
  'review',
  'approval',
  'reviewer',
  'review gate',
  'sign-?off',
  'review-schritt',
  'prüfung',
  'freigabe',
  'revue',
  'relecture',
  'validation',
  'revisión',
  'aprobación',
  'paso de revisión',
  'katselmoin\\p{L}*',
  'hyväksyn\\p{L}*',
  'ревью',
  'проверк\\p{L}*',
  'одобрени\\p{L}*',
];
const APPROVE_VERB = ['approve\\p{L}*', 'genehmige\\p{L}*', 'approuve\\p{L}*', 'aprueba\\p{L}*', 'hyväksy', 'одобр\\p{L}*'];
const ALL_OR_OWN = [
  'every',
  'all',
  'each',
  'own',
  'next',
  'jeden',
  'alle',
  'eigenen',
  'tous',
  'toutes',
  'propre',
  'todos',
  'todas',
  'propia',
  'kaikki',
  'oma\\p{L}*',
  'все',
  'сво\\p{L}*',
];
const RAISE_VERB = ['raise', 'increase', 'double', 'erhöhe\\p{L}*', 'augmente\\p{L}*', 'sube', 'aumenta\\p{L}*', 'nosta', 'увеличь\\p{L}*', 'подними'];
const BUDGET = ['budgets?', 'budjet\\p{L}*', 'presupuesto', 'бюджет\\p{L}*', 'spending limit'];
const DROP_VERB = [
  'drop',
  'remove',
  'omit',
  'delete',
  'hide',
  'suppress',
  'leave out',
  'not mention',
  "don't mention",
  'lass',
  'weglassen',
  'entferne\\p{L}*',
  'supprime\\p{L}*',
  'retire\\p{L}*',
  'elimina\\p{L}*',
  'quita',
  'poista',
  'удали',
  'убери',
  'скрой',
];
const FINDINGS = ['findings?', 'cracks', 'defects', 'befund\\p{L}*', 'constat\\p{L}*', 'hallazgo\\p{L}*', 'havain\\p{L}*', 'находк\\p{L}*', 'замечани\\p{L}*'];
const RESPOND = [
  'respond',
  'reply',
  'answer',
  'antworte\\p{L}*',
  'réponds',
  'répondez',
  'responde\\p{L}*',
  'contesta',
  'vastaa',
  'vastatkaa',
  'отвечай\\p{L}*',
  'ответь',
];
const ONLY = ['only', 'nur noch', 'nur', 'uniquement', 'seulement', 'solo', 'sólo', 'solamente', 'vain', 'только'];
const FROM_NOW_ON = [
  'from now on',
  'henceforth',
  'ab sofort',
  'ab jetzt',
  'von nun an',
  'à partir de maintenant',
  'désormais',
  'dorénavant',
  'a partir de ahora',
  'de ahora en adelante',
  'desde ahora',
  'tästä lähtien',
  'tästä eteenpäin',
  'с этого момента',
  'отныне',
];
const NEW_TASK = [
  'new (?:instructions?|task|role|rules|orders?)\\s*:',
  'your (?:new|only|real) (?:task|role|job|instructions?|goal|purpose)',
  'the real instructions',
  'neue (?:anweisung\\p{L}*|aufgabe)\\s*:',
  'deine neue aufgabe',
  'deine neue rolle',
  'nouvelles? (?:instructions?|consignes?|tâche)\\s*:',
  'ta nouvelle tâche',
  'votre nouvelle tâche',
  'nuevas? (?:instrucciones|tarea)\\s*:',
  'tu nueva tarea',
  'su nueva tarea',
  'uudet ohjeet\\s*:',
  'uusi tehtäväsi',
  'uusi tehtävä\\s*:',
  'новые инструкции\\s*:',
  'твоя новая задача',
  'новая задача\\s*:',
];
const PRIORITY = [
  'higher priority than',
  'take precedence',
  'takes precedence',
  'obey (?:them|these|this|me) over',
  'override (?:anything|everything)',
  'more important than your',
  'vorrang vor',
  'haben vorrang',
  'priment sur',
  'prime sur',
  'prioridad sobre',
  'edelle',
  'важнее',
  'приоритет над',
];
const AUTHORITY = [
  '(?:i|we) (?:authori[sz]e|order|command|instruct) you',
  'as (?:the|your) (?:system )?(?:administrator|admin|developer|operator)',
  'policy has been (?:updated|changed)',
  'new policy',
  'authori[sz]ed (?:red-team|test|override)',
  'anweisung des administrators',
  'auf anweisung des',
];
const ADDRESSING = [
  'note to (?:the )?(?:ai|model|assistant|llm)',
  '(?:hey|dear|attention),? (?:ai|model|assistant|chatbot|llm)',
  'the (?:ai|model|assistant|llm) reading this',
  'to the ai',
  'by the way,? ai',
  'when you summari[sz]e',
  'before summari[sz]ing',
  'stop being an?',
  'hinweis an die ki',
  'an die ki',
  "note pour l'ia",
  "pour l'ia",
  'para la ia',
  'nota para la ia',
  'tekoälylle',
  'для ии',
  'примечание для ии',
];
const ALREADY_APPROVED = [
  'already (?:been )?(?:approved|validated|signed off)',
  'bereits (?:freigegeben|genehmigt)',
  'schon (?:freigegeben|genehmigt)',
  'déjà (?:validée?|approuvée?)',
  'ya está aprobad\\p{L}*',
  'on jo hyväksytty',
  'уже одобрен\\p{L}*',
];
const WRITE_VERB = ['write', 'say', 'state', 'claim', 'conclude', 'schreib\\p{L}*', 'écris', 'écrivez', 'escribe', 'kirjoita', 'напиши'];
const FINE = [
  'safe',
  'fine',
  'ok',
  'in order',
  'compliant',
  'all clear',
  'no issues',
  'in ordnung',
  'sicher',
  'tout va bien',
  'en règle',
  'todo en orden',
  'kaikki kunnossa',
  'в порядке',
];
const CONCEAL = [
  'silently',
  'secretly',
  'quietly',
  'without telling',
  'without mentioning',
  'heimlich',
  'discrètement',
  'en secreto',
  'salaa',
  'тайно',
  'незаметно',
];
const SMUGGLE = ['include', 'append', 'add', 'insert', 'attach'];
const ELSEWHERE = [
  'other tenants?',
  'another tenant',
  'other customers?',
  'other clients?',
  'other site',
  'previous report',
  'previous messages?',
  'prior messages',
  'memory snippets?',
  'the memory',
  'conversation history',
  'your context',
];

// ---------------------------------------------------------------------------------------------
interface Rule {
  id: string;
  family: InjectionFamily;
  weight: number;
  re: RegExp;
}

const rule = (id: string, family: InjectionFamily, weight: number, source: string): Rule => ({
  id,
  family,
  weight,
  re: new RegExp(source.replaceAll('\\p{L}*', SUF).replaceAll('\\p{L}+', `[${W}]+`).replaceAll('\\p{L}', `[${W}]`), 'u'),
});

export const RULES: readonly Rule[] = [
  // override
  rule('override.qualified', 'override', 1, seq(OVERRIDE_VERB, 3, QUALIFIER, 3, TARGET)),
  rule('override.plain', 'override', 0.6, seq(OVERRIDE_VERB, 2, TARGET)),
  rule(
    'override.above',
    'override',
    1,
    `${word(OVERRIDE_VERB)}\\s+(?:(?:the|everything|all|anything|what(?:ever)? is|what's)\\s+)?(?:above|foregoing|${alt(['alles oben', 'ce qui précède', 'lo anterior', 'yllä oleva\\p{L}*', 'всё выше'])})${E}`,
  ),
  rule('override.everything-told', 'override', 1, seq(OVERRIDE_VERB, 1, EVERYTHING, `[^${W}]*${alt(TOLD)}`)),
  rule('override.everything', 'override', 0.5, seq(OVERRIDE_VERB, 0, EVERYTHING)),
  rule('override.no-follow', 'override', 1, seq(NO_FOLLOW, 2, TARGET)),
  rule('override.given', 'override', 1, seq(OVERRIDE_VERB, 2, TARGET, '\\s+(?:you (?:were|have been) (?:given|told)|given to you)')),
  rule('override.what-said', 'override', 0.6, seq(OVERRIDE_VERB, 0, ['what (?:the|your) \\p{L}+ (?:said|told you|wrote)'])),
  // persona
  rule('persona.you-are-now', 'persona', 1, word(YOU_ARE_NOW)),
  rule('persona.pretend-to-be', 'persona', 1, word(PRETEND_TO_BE)),
  rule('persona.pretend', 'persona', 0.5, word(PRETEND)),
  rule('persona.act-as-privileged', 'persona', 1, seq(ACT_VERB, 3, PRIVILEGED)),
  rule('persona.unrestricted', 'persona', 0.6, word(UNRESTRICTED)),
  rule('persona.dev-mode', 'persona', 0.7, word(DEV_MODE)),
  // prompt leak
  rule('leak.noun', 'prompt-leak', 0.5, word(LEAK_NOUN)),
  rule('leak.verb-noun', 'prompt-leak', 1, seq(LEAK_VERB, 4, [...LEAK_NOUN, ...SECRET_NOUN])),
  rule('leak.verb-hidden', 'prompt-leak', 1, seq(LEAK_VERB, 3, HIDDEN, 1, TARGET)),
  rule('leak.secret', 'prompt-leak', 0.5, word(SECRET_NOUN)),
  rule('leak.repeat-above', 'prompt-leak', 1, seq(REPEAT_VERB, 3, TEXT_NOUN, 3, ABOVE)),
  rule('leak.repeat-above-2', 'prompt-leak', 1, seq(REPEAT_VERB, 2, ABOVE, 2, TEXT_NOUN)),
  rule(
    'leak.context',
    'prompt-leak',
    1,
    seq(LEAK_VERB, 3, ['everything in your context', 'context window', 'prior messages', 'previous messages', 'conversation history', 'system message']),
  ),
  // exfiltration
  rule('exfil.send-to', 'exfiltration', 1, `${word(SEND_VERB)}[^\\n]{0,120}?${DESTINATION}`),
  rule('exfil.verb', 'exfiltration', 1, word(['exfiltrat\\p{L}*', 'эксфильтр\\p{L}*'])),
  rule('exfil.markdown-beacon', 'exfiltration', 1, '!\\[[^\\]]*\\]\\(\\s*https?://[^)\\s]*(?:\\{\\{|\\?[^)\\s]*=)'),
  rule('exfil.harvest', 'exfiltration', 0.6, seq(LIST_VERB, 4, ALL, 3, PERSONAL)),
  rule('exfil.harvest-2', 'exfiltration', 0.6, seq(ALL, 2, PERSONAL, 4, LIST_VERB)),
  rule(
    'exfil.other-tenants',
    'exfiltration',
    0.5,
    word(['other tenants?', 'another tenant', 'other customers', 'andere mandanten', 'autres clients', 'otros clientes', 'muut asiakkaat', 'другие клиенты']),
  ),
  rule('exfil.conceal', 'exfiltration', 0.5, word(CONCEAL)),
  rule('exfil.smuggle', 'exfiltration', 0.5, seq(SMUGGLE, 4, ELSEWHERE)),
  // delimiter
  rule(
    'delimiter.chat-token',
    'delimiter',
    1,
    '<\\|[a-z_]{2,20}\\|>|\\[/?inst\\]|<</?sys>>|</?(?:system|assistant|user|developer)>|\\{\\{#?/?(?:system|assistant|user)\\}\\}',
  ),
  rule(
    'delimiter.system-header',
    'delimiter',
    1,
    '(?:^|\\n)\\s*(?:#{2,}|-{3,}|={3,}|\\*{2,})\\s*(?:begin |start |end )?(?:system|assistant|admin)(?: prompt| message| instructions?)?\\s*(?:-{3,}|={3,}|:|#)|(?:begin|end) (?:of )?system (?:prompt|message)',
  ),
  rule(
    'delimiter.end-of-input',
    'delimiter',
    1,
    word([
      'end of (?:the )?(?:user )?(?:input|prompt|message|document)',
      'ende der eingabe',
      "fin de l'entrée",
      'fin de la entrada',
      'syötteen loppu',
      'конец ввода',
    ]),
  ),
  rule(
    'delimiter.role-line',
    'delimiter',
    0.6,
    `(?:^|\\n)\\s*${alt(['system', 'assistant', 'user', 'ai', 'järjestelmä', 'système', 'sistema', 'система', 'systeme'])}\\s*:\\s*\\S`,
  ),
  rule(
    'delimiter.override-banner',
    'delimiter',
    1,
    word([
      'system override',
      'admin override',
      'sudo mode',
      'maintenance mode',
      'wartungsmodus',
      'mode maintenance',
      'modo mantenimiento',
      'huoltotila',
      'режим обслуживания',
    ]),
  ),
  rule(
    'delimiter.impersonation',
    'delimiter',
    1,
    word([
      'this is (?:the )?(?:system|administrator|admin|developer|operator) speaking',
      'message from the system to the (?:ai|model|assistant)',
      'hier spricht das system',
      'ici le système',
      'habla el sistema',
      'järjestelmä tiedottaa',
      'говорит система',
    ]),
  ),
  rule('delimiter.html-comment', 'delimiter', 0.5, '<!--[\\s\\S]*?\\p{L}[\\s\\S]*?-->'),
  // governance manipulation (this app's own levers)
  rule('governance.mark-ok', 'governance', 0.6, seq(MARK_VERB, 5, OK_VALUE)),
  rule('governance.risk-ok', 'governance', 0.6, `${seq(RISK, 2, OK_VALUE)}|${seq(OK_VALUE, 1, RISK)}`),
  rule('governance.skip-review', 'governance', 0.6, seq(SKIP_VERB, 3, REVIEW)),
  rule(
    'governance.submit-directly',
    'governance',
    0.6,
    `${seq(['submit', 'soumission', 'submission', 'einreichen', 'envío', 'lähetys', 'отправк\\p{L}*'], 1, ['directly', 'directement', 'directamente', 'direkt', 'suoraan', 'сразу'])}|${seq(['directly', 'directement', 'directamente', 'direkt', 'suoraan', 'сразу'], 3, ['submit', 'soumission', 'submission', 'einreichen', 'envío', 'lähetys', 'отправк\\p{L}*'])}`,
  ),
  rule('governance.already-approved', 'governance', 0.5, word(ALREADY_APPROVED)),
  rule('governance.approve-all', 'governance', 0.6, seq(APPROVE_VERB, 2, ALL_OR_OWN)),
  rule('governance.budget', 'governance', 0.5, seq(RAISE_VERB, 3, BUDGET)),
  rule('governance.drop-findings', 'governance', 0.6, seq(DROP_VERB, 3, FINDINGS)),
  rule('governance.respond-only', 'governance', 0.6, seq(RESPOND, 3, ONLY)),
  rule('governance.from-now-on', 'governance', 0.5, word(FROM_NOW_ON)),
  rule('governance.new-task', 'governance', 0.6, word(NEW_TASK)),
  rule('governance.priority', 'governance', 0.6, word(PRIORITY)),
  rule('governance.authority', 'governance', 0.5, word(AUTHORITY)),
  rule('governance.write-fine', 'governance', 0.6, seq(WRITE_VERB, 4, FINE)),
  rule(
    'governance.tool-call',
    'governance',
    0.6,
    word(['call the (?:\\p{L}+ )?tool', 'invoke the (?:\\p{L}+ )?tool', 'function call', 'execute the (?:command|tool)', 'run the (?:command|tool)']),
  ),
  rule(
    'governance.decode-follow',
    'encoded',
    0.6,
    seq(['decode', 'dekodier\\p{L}*', 'décode\\p{L}*', 'decodifica\\p{L}*', 'dekoodaa', 'декодируй'], 2, [
      'follow',
      'execute',
      'run',
      'obey',
      'apply',
      'befolge\\p{L}*',
      'suis',
      'exécute\\p{L}*',
      'sigue',
      'ejecuta',
      'noudata',
      'выполни',
    ]),
  ),
  rule(
    'governance.just-once',
    'governance',
    0.4,
    word([
      '(?:just )?this once',
      'for this one time',
      'nur dieses eine mal',
      'ausnahmsweise',
      'juste cette fois',
      'pour cette fois',
      'solo esta vez',
      'por esta vez',
      'vain tämän kerran',
      'только в этот раз',
      'в виде исключения',
    ]),
  ),
  // addressing the model
  rule('addressing.to-the-ai', 'addressing', 0.4, word(ADDRESSING)),
];

// ---------------------------------------------------------------------------------------------
// Normalisation
const INVISIBLE_RE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ӏ: 'l',
  к: 'k',
  м: 'm',
  т: 't',
  н: 'h',
  в: 'b',
  α: 'a',
  ο: 'o',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
};
const CONFUSABLE_RE = /[аеорсухіјѕԁӏкмтнвαοειкνρτυχϲ]/u;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

function foldQuotes(s: string): string {
  return s.replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'").replace(/[\u201C\u201D\u201E]/g, '"');
}

export interface NormalizedText {
  /** NFKC, invisible characters stripped, quotes folded, lowercase. */
  base: string;
  /** Before lowercasing (blob decoding needs case). */
  cased: string;
  variants: { via: NonNullable<InjectionSignal['via']>; text: string }[];
  cues: { zeroWidth: boolean; mixedScript: boolean; spaced: boolean };
}

export function normalizeText(text: string): NormalizedText {
  const nfkc = text.normalize('NFKC');
  const zeroWidth = /[\p{L}\p{N}][\u00AD\u200B-\u200D\u2060\uFEFF]+[\p{L}\p{N}]/u.test(nfkc);
  const cased = foldQuotes(nfkc.replace(INVISIBLE_RE, ''));
  const base = cased.toLowerCase();
  const variants: NormalizedText['variants'] = [];
  let mixedScript = false;
  const folded = base.replace(/[\p{L}\p{M}]+/gu, (tok) => {
    if (/[a-z]/.test(tok) && CONFUSABLE_RE.test(tok)) {
      mixedScript = true;
      return [...tok].map((ch) => HOMOGLYPHS[ch] ?? ch).join('');
    }
    return tok;
  });
  if (mixedScript) variants.push({ via: 'homoglyph', text: folded });
  let leetUsed = false;
  const leet = base.replace(/[\p{L}0-9@$]+/gu, (tok) => {
    if (/\p{L}.*\p{L}/u.test(tok) && /[0-9@$]/.test(tok)) {
      leetUsed = true;
      return tok.replace(/[0134579@$]/g, (c) => LEET[c] ?? c);
    }
    return tok;
  });
  if (leetUsed) variants.push({ via: 'leet', text: leet });
  // Letter-spaced runs: "i g n o r e   a l l" (wider gaps separate words).
  const marked = base.replace(/ {2,}/g, '\u0001');
  const spacedRe = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){2,}\p{L}(?![\p{L}\p{N}])/gu;
  let spaced = false;
  const despaced = marked.replace(spacedRe, (m) => {
    spaced = true;
    return m.replace(/[ .\-_*]/g, '');
  });
  if (spaced) variants.push({ via: 'spaced', text: despaced.replace(/\u0001/g, ' ') });
  return { base, cased, variants, cues: { zeroWidth, mixedScript, spaced } };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readable(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    return null;
  }
  const chars = [...s];
  const ok = chars.filter((c) => /[\p{L}\p{N}\p{P}\p{Zs}\p{S}\n\t]/u.test(c)).length;
  const letters = chars.filter((c) => /\p{L}/u.test(c)).length;
  return ok / chars.length >= 0.95 && letters >= 4 && letters / chars.length >= 0.5 ? s : null;
}

/** Decoded blobs hidden in the text: base64 (std and url-safe), hex, %-encoding. */
export function decodeBlobs(cased: string): { via: 'base64' | 'hex' | 'url'; text: string }[] {
  const out: { via: 'base64' | 'hex' | 'url'; text: string }[] = [];
  for (const m of cased.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const tok = m[0];
    if (/^[0-9a-fA-F]+$/.test(tok) && tok.length % 2 === 0) {
      const s = readable(Buffer.from(tok, 'hex'));
      if (s) out.push({ via: 'hex', text: s });
      continue;
    }
    const s = readable(Buffer.from(tok.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    if (s) out.push({ via: 'base64', text: s });
  }
  for (const m of cased.matchAll(/(?:%[0-9a-fA-F]{2}){4,}/g)) {
    try {
      const s = decodeURIComponent(m[0]);
      if (/\p{L}{3}/u.test(s)) out.push({ via: 'url', text: s });
    } catch {
      // not valid %-encoded UTF-8: not a blob
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
export interface TextScore {
  score: number;
  signals: Omit<InjectionSignal, 'input'>[];
}

function scan(text: string, via: InjectionSignal['via'], found: Map<string, Omit<InjectionSignal, 'input'>>): void {
  for (const r of RULES) {
    if (found.has(r.id)) continue;
    const m = r.re.exec(text);
    if (m) found.set(r.id, { family: r.family, rule: r.id, weight: r.weight, excerpt: m[0].trim().slice(0, 80), ...(via ? { via } : {}) });
  }
}

/** Score one text (0 = nothing found). */
export function scoreText(text: string, depth = 0): TextScore {
  const n = normalizeText(text);
  const found = new Map<string, Omit<InjectionSignal, 'input'>>();
  scan(n.base, undefined, found);
  for (const v of n.variants) scan(v.text, v.via, found);
  if (depth < 2) {
    for (const blob of decodeBlobs(n.cased)) {
      const inner = scoreText(blob.text, depth + 1);
      for (const s of inner.signals) if (!found.has(s.rule)) found.set(s.rule, { ...s, via: s.via ?? blob.via });
      if (inner.score > 0 && !found.has('encoded.payload')) {
        found.set('encoded.payload', { family: 'encoded', rule: 'encoded.payload', weight: 0.5, excerpt: blob.text.slice(0, 80), via: blob.via });
      }
    }
  }
  const hits = found.size > 0;
  if (hits && n.cues.zeroWidth)
    found.set('obfuscation.zero-width', { family: 'obfuscation', rule: 'obfuscation.zero-width', weight: 0.3, excerpt: 'zero-width characters inside words' });
  if (hits && n.cues.mixedScript)
    found.set('obfuscation.mixed-script', {
      family: 'obfuscation',
      rule: 'obfuscation.mixed-script',
      weight: 0.3,
      excerpt: 'look-alike letters from another script inside words',
    });
  if (hits && n.cues.spaced)
    found.set('obfuscation.spaced', { family: 'obfuscation', rule: 'obfuscation.spaced', weight: 0.3, excerpt: 'letter-spaced words' });
  const signals = [...found.values()];
  const score = Math.round(signals.reduce((a, s) => a + s.weight, 0) * 100) / 100;
  return { score, signals };
}

export function isInjection(text: string): boolean {
  return scoreText(text).score >= INJECTION_THRESHOLD;
}

/** Scan every AI input; `detected` when any input scores >= INJECTION_THRESHOLD. */
export function detectInjection(inputs: readonly (AiInput | string)[]): InjectionReport {
  const signals: InjectionSignal[] = [];
  const flagged: number[] = [];
  let max = 0;
  inputs.forEach((inp, i) => {
    const text = typeof inp === 'string' ? inp : inp.text;
    const r = scoreText(text);
    max = Math.max(max, r.score);
    if (r.score >= INJECTION_THRESHOLD) flagged.push(i);
    for (const s of r.signals) signals.push({ ...s, input: i });
  });
  const families = [...new Set(signals.filter((s) => flagged.includes(s.input)).map((s) => s.family))];
  return { detected: flagged.length > 0, score: max, families, signals, scanned: inputs.length, flaggedInputs: flagged };
}
