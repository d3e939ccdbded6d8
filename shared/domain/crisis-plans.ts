import { rx, rx1, saidOfSomeoneElse, type Rule } from './crisis-kit';

/**
 * English rules for what matters most and what a phrase list of feelings misses: plans and means
 * (a method, the means at hand, a place to fall from, a time), farewells and time-bound endings,
 * then the middle band where the coach asks directly. Read by crisis.ts on the normalised text
 * (lowercase, de-leeted, letters squeezed, emoji read as words: "💊" is "pills").
 *
 * Plans and means are risk whatever else the message says: "I'm fine, the pills are ready" is
 * risk. Their exceptions are narrow and name an everyday use of the same thing (a rope for the
 * gym, pills from the pharmacy for a cold, a roof terrace with a view), and a time or readiness
 * word overrides them ("the camping rope is ready for tonight" is read as risk: a human looks).
 */

/** Things a person can end their life with. */
const MEANS = String.raw`(?:pills?|tablets?|tabs|meds|medicines?|medications?|sleeping pills|painkillers|antidepressants|insulin|tramadol|paracetamol|panadol|tylenol|acetaminophen|opioids?|oxy|rope|noose|gun|guns|shotgun|rifle|pistol|revolver|blade|blades|razor|razors|knife|poison|pesticide|insecticide|rat poison|bleach|charcoal|sniper|gamalin|otapiapia|dupatta|dupata|belt)`;
/** A readiness, time or intent cue beside the means: what turns an object into a plan. */
const PLAN_CUE = String.raw`(?:tonight|tomorrow night|tomorrow morning|this weekend|ready|enough|lethal|all of them|all of it|every single one|in my hand|in my hands|next to my bed|by my bed|under my pillow|on my wrist|on my neck|to my head|against my (?:head|temple|wrist|chest)|loaded|counted|stockpil\w*|saved up|saving up|hoard\w*|stash\w*|for this|for when|courage|decided|it takes|would take|what (?:its|it is) for|wont stop|doesnt know|does not know|nobody knows|no one knows|take them|swallow them|take it|swallow it|drink it|drink them|eat them|use it|do it|for me|for myself)`;
/** Everyday reasons to have the same things, said in the same message. */
const EVERYDAY_USE = rx1(
  String.raw`\b(?:pharmacy|chemist|prescription|refill|picked up|pick up|doctor (?:gave|prescribed)|for (?:my |the |a )?(?:cold|flu|fever|headache|migraine|allergy|allergies|cough|bp|blood pressure|diabetes|sugar|pain|period|cramps|trip|travel|flight|journey|exam|camping|camp|hike|hiking|gym|workout|workouts|climbing|cooking|kitchen)|packing|suitcase|camping|hiking|cooking|kitchen|chopping|onions?|vegetables|shaving|beard|gym|workout|skipping|jump rope|rope light|rope lights|light|lights|clothesline|laundry|tent|question|questions|uworld|qbank|nbme|lecture|patient|patients|pt|case|antidote|tox|forensic|rotation|ward|movie|film|novel|book|show|game|video game)\b`,
);
/** Looking, watching, celebrating: what people do on roofs, bridges and balconies. */
const VIEW = rx1(
  String.raw`\b(?:sunset|sunrise|view|views|photo|photos|pictures|selfie|fireworks|stars|moon|breeze|weather|chai|tea|coffee|lunch|dinner|breakfast|picnic|party|friends|family|studying|study|reading|amazing|beautiful|lovely|nice|gorgeous|peaceful|terrace|garden|bbq|barbecue|drinks|walk|walking|jog|jogging|run|running|traffic|bus|commute|taxi|uber|late|delayed|missed)\b`,
);

export const PLAN_RULES: readonly Rule[] = [
  // --- means beside a plan cue: "the noose is tied, I just need the courage" ---
  {
    id: 'means-with-plan',
    pattern: rx(String.raw`\b${MEANS}\b(?: \w+){0,12} ${PLAN_CUE}\b|\b${PLAN_CUE}\b(?: \w+){0,6} ${MEANS}\b`),
    unless: ({ whole }) => EVERYDAY_USE.test(whole) && !rx1(String.raw`\b(?:tonight|all of them|enough|die|dying|end|kill|courage|decided|for this)\b`).test(whole),
    strong: true,
  },
  // --- having, holding or gathering the means: "I have my roommate's gun", "stockpiling my antidepressants" ---
  {
    id: 'means-at-hand',
    pattern: rx(
      String.raw`\b(?:i have|ive got|i got|i bought|bought|i found|holding|im holding|i am holding|i keep|keep|kept|loaded|tied|stockpil\w*|hoard\w*|collect\w*|gather\w*|stash\w*|saving|saved|counted|counting|researching|looked up|looking up|filled|put|lined up)\b(?: \w+){0,4} ${MEANS}\b`,
    ),
    unless: ({ whole, before }) => EVERYDAY_USE.test(whole) || saidOfSomeoneElse(before) || /\b(?:we|our)\b/.test(before.split(' ').slice(-4).join(' ')),
  },
  // --- taken already: "I took 40 tablets", "already swallowed the pills", "cut deep this time" ---
  {
    id: 'means-taken',
    pattern: rx(
      String.raw`\b(?:took|swallowed|drank|ate|popped|downed|have taken|just took|already took|already swallowed|already drank)\b(?: (?:a|the|my|his|her|moms|mums|dads|all|all of|all the|all my|whole|a whole|the whole|entire|an entire|bottle of|a bottle of|strip of|a strip of|pack of|handful of|a handful of|\d{2,}))+ ?(?:\w+ )?(?:of )?${MEANS}\b|\b(?:already|just) (?:took|swallowed|drank) (?:the|my|all|them)\b|\bcut (?:too )?deep\b|\bwont stop bleeding\b`,
    ),
    unless: ({ whole, before }) =>
      saidOfSomeoneElse(before) ||
      rx1(String.raw`\b(?:for (?:my |the |a )?(?:cold|flu|fever|headache|migraine|pain|cramps)|as prescribed|doctor|vitamins?|chopping|onions?|cooking|kitchen|shaving|question|uworld|qbank|nbme|case|vignette)\b`).test(whole),
    strong: true,
  },
  // --- on a height or the tracks: "I'm on the ledge", "at the top of the parking garage" ---
  {
    id: 'at-a-height',
    pattern: rx(
      String.raw`\b(?:im|i am|sitting|standing|stood|climbed|climbing|i climbed|here)\b(?: \w+){0,2} (?:on|at|onto|over|up|in) (?:the |a |my |this |our )?(?:train |railway |rail |metro |\w+ )?(?:edge|ledge|roof|rooftop|top|bridge|tracks?|railway|rail|platform|balcony|cliff|window|parapet|\d+\w* (?:floor|storey|story))\b|\b\d+ (?:floors|stories|storeys) up\b|\bgoing over\b(?= *$| the (?:edge|railing|rail|ledge|side))`,
    ),
    unless: ({ whole }) => VIEW.test(whole),
  },
  // --- the method, said as an act: into the sea, under a train, a car in a closed garage ---
  {
    id: 'method',
    pattern: rx(
      String.raw`\b(?:walk|walking|swim|swimming) (?:into|out into) the (?:sea|ocean|river|lake|water)\b|\bengine running\b(?: \w+){0,6} (?:garage|closed|shut|hose)\b|\b(?:closed|shut) (?:garage|car)\b(?: \w+){0,4} engine\b|\bcharcoal\b(?: \w+){0,6} (?:bathroom|closed|room|tape|sealed|car)\b|\b(?:yeet|yeeting|hurl|hurling|fling|flinging) (?:my ?self|meself)\b|\bdrive my car into\b|\b(?:drive|driving|crash|crashing) (?:my car |my bike )?into (?:a |the )?(?:wall|tree|truck|lorry|river|pole|pillar|divider)\b`,
    ),
    strong: true,
  },
  // --- planning, researching, deciding how ---
  {
    id: 'planning',
    pattern: rx(
      String.raw`\b(?:i have|ive got|i made|made|i found) a (?:plan|way) (?:and (?:the )?means|to (?:end|die|kill|do it|go|not wake)|for (?:it|tonight|my death|how|when))\b|\bthe (?:plan|means) and the (?:means|plan)\b|\b(?:know|knows|decided|figured out|worked out) (?:exactly )?(?:how|when|where) (?:im going to|i am going to|i will|ill|to|i would|id) (?:do it|end it|go|die|kill)\b|\bi know exactly how\b|\bfigured out (?:exactly )?how (?:many|much)\b|\b(?:looked up|looking up|googled|searched|researching|research) (?:the |a )?(?:lethal|fatal|deadly)? ?(?:dose|amount)\b|\b(?:researching|looked up|looking up|googled|searched) (?:which|the highest|the tallest|how high)\b(?: \w+){0,4} (?:bridge|building|floor|tower)\b|\bsetting a date\b(?! (?:for|to|with))|\bset (?:a|the) date\b(?= *$| (?:friday|saturday|sunday|monday|tuesday|wednesday|thursday|tonight|tomorrow))`,
    ),
    unless: ({ whole }) => rx1(String.raw`\b(?:exam|step|wedding|interview|meeting|appointment|party|date night|my date|question|uworld|tox)\b`).test(whole),
    strong: true,
  },
  // --- farewells ---
  {
    id: 'farewell',
    pattern: rx(
      String.raw`\b(?:this is |its |that was |heres )?(?:my )?(?:last|final) (?:message|text|msg|sms|words|goodbye)\b(?= (?:to|for) (?:anyone|everyone|anybody|you all|all of you|the world|my family|you)\b| from me\b| ever\b| *$| please| thank| sorry| goodbye| bye| dont)|\bif you (?:dont|do not|never) hear from me (?:again|anymore)\b|\b(?:wrote|written|writing|left|leaving|wrote out) (?:a |my |the )?(?:letters?|notes?|goodbye \w+)(?: \w+){0,2} (?:to|for) (?:my |each |all )?(?:mum|mom|mother|mama|ammi|amma|dad|father|papa|abbu|abba|parents|family|sister|brother|wife|husband|kids|children|son|daughter|friends|grandmother|grandma|everyone)\b|\bnotes? for my (?:family|parents|mum|mom|mother|dad|father|sister|brother|wife|husband)\b|\b(?:updated|wrote|made|making|writing|finished|changed) (?:my|a) will\b(?! ?power)|\baffairs in order\b|\b(?:wont|will not|no longer) need (?:them|it|these|those|this|my \w+)(?: \w+)? (?:anymore|any more|again|where im going|where i am going)\b|\b(?:giv\w*|gave) away\b(?: \w+){0,10} (?:wont|will not) need\b|\b(?:after|when|once) (?:im|i am) gone\b|\bso nobody has to\b|\bclose my accounts\b|\bnew home\b(?: \w+){0,4} (?:its time|it is time|im ready|i am ready)\b|\bgoodbye (?:coach|everyone|everybody|all|friends|world|forever)\b|\bthank you for (?:everything|all)\b(?: \w+){0,6} (?:goodbye|bye|farewell)\b|\b(?:say|said|saying) (?:my )?goodbyes?\b(?: \w+){0,3} (?:before i go|without telling|for good|forever|for the last time|who matters)\b|\b(?:said )?sorry (?:to|for) (?:everyone|everything|all)\b(?: \w+){0,4} (?:take care|goodbye|bye|ready|forgive|im ready|i am ready)\b|\btransferred (?:all )?my (?:savings|money)\b|\bgoodbye (?:video|message|letter|note|letters|notes)\b`,
    ),
  },
  // --- a time for the end: "I won't be alive for Match Day", "tonight is my last night" ---
  {
    id: 'time-bound',
    pattern: rx(
      String.raw`\b(?:wont|will not|not going to|dont plan to|do not plan to|dont expect to|doubt ill|doubt i will|dont think ill|may not|might not|im not going to|not planning to)\b(?: \w+){0,2} be (?:alive|here|around)\b(?: \w+){0,3} (?:by|for|when|to see|on|after|until|till|next|tomorrow|tonight|much longer|for long|anymore)\b(?! \d)|\b(?:ill|i will) be (?:gone|dead) (?:by|before|when|after|soon)\b|\bby the time\b(?: \w+){0,5} (?:ill|i will|i would|id) be (?:gone|dead)\b|\b(?:ill|i will|im going to|gonna) be dead\b(?! (?:tired|serious|last|on my feet|meat))|\b(?:this (?:is|will be)|tonight is|today is|its|it is|tomorrow is) (?:going to be )?my last (?:night|day|winter|week|month|summer|birthday|morning|sunrise)\b(?! (?:at|of|in|on|with|as|before|here))|\bmy last (?:night|day) (?:alive|on earth|in this world)\b|\b(?:wont|will not|not going to|never going to|dont think ill|dont plan to|im not going to) (?:live to )?see (?:\d+|my (?:\w+ )?birthday|next (?:year|month|week|season|cycle)|another (?:year|day|week|cycle)|the (?:next|results|match|end)|tomorrow|match day)\b|\b(?:not going to|wont|will not|dont think ill|dont think i will) make it to (?:the |my )?(?:next|another)\b|\b(?:wont|will not|wouldnt|will no longer) exist\b|\b(?:it|this|everything|all of this|it all) (?:all )?ends? (?:tonight|tomorrow|today|this (?:week|weekend)|on \w+day|friday|saturday|sunday|monday)\b|\b(?:tonight|tomorrow(?: morning| night)?|today|this weekend) (?:it|everything|this|it all) ends\b|\btonight is the night\b|\b(?:then|after that) (?:im|i am|ill be) (?:out of|gone from|leaving) this world\b|\bif i (?:live|survive) or (?:not|die)\b|\b(?:soon )?it(?:ll| will)? (?:all )?be over\b(?= (?:\w+ ){0,2}(?:tonight|tomorrow)\b)|\bif (?:i|im|i am|i dont|i do not)\b(?: \w+){1,6} (?:thats it|its over|its the end)(?: for me)? *$|\b(?:ill|i will|going to|gonna|im going to) (?:take|swallow|drink|eat) (?:all|all the|all my|every|the whole|the entire|them all)\b(?: \w+){0,2} ${MEANS}\b|\b(?:when|if|after|once)\b(?: \w+){1,6} (?:ill|i will|im going to|going to|gonna) (?:take|swallow|drink|use) (?:the|those|these|my)? ?${MEANS}\b|\b(?:after|when|once)\b(?: \w+){1,8} (?:im going to|i am going to|going to|gonna|ill|i will) do it *$`,
    ),
    unless: ({ whole }) =>
      rx1(String.raw`\b(?:travel\w*|trip|vacation|holiday|holidays|wedding|visiting|flight|flying|exam day|conference|offline|no signal|no network|busy|camp|reachable|signal|internet|leave from work|on leave|leave|late|running late|on time|delayed|stuck|pills? (?:after|with|before) (?:dinner|lunch|breakfast|food|meals))\b`).test(whole),
  },
  // --- indirect ways of saying it, found missing from the feelings list ---
  {
    id: 'indirect',
    pattern: rx(
      String.raw`\binsurance (?:money|payout|pay out)\b|\b(?:want to|wanna|just want to|need to|ready to) (?:finally )?rest (?:forever|for ever|permanently|in peace)\b|\bwont be (?:a problem|a burden|around|here)(?: (?:for|to) \w+)? (?:much longer|for long|anymore|any more)\b|\b(?:by|of) not being (?:here|around|alive)\b|\bif i (?:just )?(?:didnt|did not|never) wake up\b|\bway out of (?:this|my|the) life\b|\b(?:reason|reasons) for me to (?:keep |go on |continue )?(?:living|live|be alive|stay alive)\b|\bctb\b|\bkys\b(?= .*\b(?:my ?self|i tell myself|to myself)\b)|\bdeath (?:sounds|seems|feels|looks) (?:so )?(?:nice|good|great|lovely|tempting|appealing|peaceful|like a rest|better)\b|\b(?:going to|gonna|im going to) (?:coffin|grave)\b|\bgod (?:would |will |should |could )?(?:just )?take me\b`,
    ),
    strong: true,
  },
];

/**
 * The middle band: hopelessness and running out, without a word about dying. The coach asks
 * directly; nothing is held until the answer says so.
 */
export const ASK_RULES: readonly Rule[] = [
  {
    id: 'hopeless',
    pattern: rx(
      String.raw`\bhopeles\w*|\b(?:no|lost all|lost|losing|lost my|without|out of|zero|any) hope\b(?! (?:of|for (?:the|a|my) (?:train|bus|flight|seat|refund)))|\bno hope (?:for|left)\b|\b(?:nothing|it|things|life|this)(?:s| is| will| wil)? ?(?:ever |never )?(?:going to |gonna )?(?:change|get better|improve)\b(?= *$| for me| for someone)|\bnothing (?:is ever|will ever|is going to|ever) (?:going to )?(?:change|get better|improve|work)\b|\b(?:never|not ever) (?:going to |gonna )?get (?:any )?better\b|\bdont think (?:things|it|life) will ever get better\b|\b(?:dont|do not|cant|cannot|can not) see (?:a|any) (?:future|way forward|way out|way through|light)\b|\bno future (?:for me|left)\b|\btheres no future\b|\bthere is no future\b`,
    ),
  },
  {
    id: 'cant-anymore',
    pattern: rx(
      String.raw`\b(?:cant|cannot|can not|cnt|unable to) (?:take|do|handle|cope with|bear|stand|keep doing|keep going with|go on like|live with) (?:it|this|any of this|all of this|this life|that|the pain|anything)? ?(?:anymore|any more|any longer|no more)\b|\bi (?:just )?cant (?:anymore|any more|do this)\b(?! (?:block|question|exam|chapter|topic|today|tonight|right now|now))|\bcant cope(?: anymore| any more)?\b|\bcant keep (?:doing|going on like) this\b|\b(?:dont|do not) know how (?:much|long) (?:more|longer)? ?i can (?:take|keep going|go on|do this|last|hold on)\b|\bcant go on like this\b`,
    ),
    unless: ({ whole }) => rx1(String.raw`\b(?:block|question|questions|biostats|chapter|topic|today|tonight|right now|the heat|this weather|traffic|queue)\b`).test(whole) && !/\b(?:life|living|everything)\b/.test(whole),
  },
  {
    id: 'pointless',
    pattern: rx(
      String.raw`\b(?:no|whats|what is|what s|wats|what) (?:even )?(?:the )?point (?:to|in|of) (?:anything|everything|it all|any of this|all of this|trying|going on|me|life|my life|continuing)\b|\b(?:whats|what is|what s|wats) (?:even )?the point *$|\bwhat is even the point\b|\b(?:everything|life|it all|all of this|my life|nothing)\b(?: \w+)? (?:is|feels|seems|matters) (?:so |just |completely )?(?:pointless|meaningless|hopeless|useles)\b|\bnothing matters\b|\b(?:dont|do not) care (?:what happens to me|about anything|anymore|any more)\b|\bwhy do i (?:even )?(?:try|bother)\b|\bwaste of (?:space|oxygen|air)\b|\bnothing to look forward to\b|\bno reasons? to (?:keep going|go on|continue|get up)\b|\brunning out of reasons\b`,
    ),
    unless: ({ whole }) => rx1(String.raw`\b(?:signal|signals|program|programs|research year|applying|application|eras|nrmp|usce|observership|rotation|worry|stressing)\b`).test(whole),
  },
  {
    id: 'giving-up',
    pattern: rx(
      String.raw`(?<!(?:dont|never|wont|not|didnt|do not|will not|never ever) )\bgive up on (?:everything|it all|myself|me|all of it|all of this|trying)\b|(?<!(?:dont|never|wont|not|didnt) )\bgiving up on everything\b|(?<!(?:dont|never|wont|not|didnt) )\bi give up *$|\bfeel like giving up\b|\b(?:ive|i have) given up\b(?! on (?:coffee|sugar|social media|smoking|junk))|\bdone trying\b|\btired of (?:fighting|trying|everything|it all|struggling|being (?:me|alive))\b|\bi have nothing left\b|\bnothing left (?:in me|for me)\b|\b(?:at|reached|hit) (?:my )?(?:breaking point|limit|rock bottom|lowest)\b|\brock bottom\b|\bend of my (?:rope|tether)\b|\b(?:im|i am) (?:so |just |completely |totally |honestly |really )?done(?: with (?:everything|it all|all of this|life|trying|everyone))?(?= *$| i cant| cant| honestly| seriously)|\bhonestly (?:im|i am) done\b|\bfeel like (?:im|i am) (?:disappearing|fading|vanishing)\b|\bdont think ill ever be (?:ok|okay|fine|happy|better)\b|\b(?:dont|do not) think i (?:ever )?will (?:ever )?be *$|\bno one would care (?:what|if) i\b|\btrapped\b(?: \w+){0,3} no way out\b|\bno way (?:out|up|forward)\b(?! of (?:the |this |my |that )?(?:queue|line|traffic|jam|parking|building|room|lecture|meeting|contract|lease|visa|debt|job))`,
    ),
    unless: ({ whole }) => rx1(String.raw`\b(?:for (?:today|tonight|the day|now)|studying|biostats|questions|block|chapter|acid base|traffic|queue|stuck in|parking|cold weather|this weather)\b`).test(whole),
  },
];

/** Good news, said around "I could just die". */
const JOY = String.raw`(?:invite\w*|interview\w*|match\w*|offer|accepted|happy|happiness|excited|omg|yay|amazing|best|lol|haha|screamed|screaming|so good|proud|passed|dream)`;

/** English idioms blanked before the risk rules (crisis.ts BENIGN_IDIOMS holds the rest). */
export const PLAN_IDIOMS: readonly RegExp[] = [
  // Joy: "I could just die, they invited me!!", "so happy I could die", "dying of happiness".
  rx(String.raw`(?:(?<=\b${JOY}\b.*)|(?=.*\b${JOY}\b))\b(?:i )?could (?:just |literally |honestly |actually |totally )?die\b|\b(?:happy|excited|proud) (?:that )?i could (?:just )?die\b|\b(?:die|dying|died|dead) (?:of|from|with) (?:happiness|joy|excitement|cuteness|laughter|laughing|envy|embarrassment|cringe)\b`),
  // Hyperbole about a task, said laughing: "I'd rather die than do another OET task lol".
  rx(String.raw`\b(?:rather die|gonna die|going to die|will die|kill me now|kill me)\b(?= .*\b(?:another|writing|task|questions|qbank|uworld|biostats|essay|email|emails|assignment|flashcards)\b)(?= .*\b(?:lol|haha|hahaha|lmao|rofl|jk|kidding)\b)`),
  // Tears of joy and laughter: "I laughed so hard I cried", "je pleure de joie".
  rx(String.raw`\b(?:laughed|laughing) so hard (?:i|that i) (?:cried|cry)\b|\b(?:cry|cried|crying|pleure|pleurer|chorei|chorando|llore|llorando|umiiyak)\w* (?:de |of |with |from |tears of )?(?:joie|joy|alegria|felicidad|happiness|laughter|laughing|saya)\b|\bcrying\b(?= .*\bhappy\b)|\bdrowning in (?:paperwork|work|emails|questions|flashcards|notes|books|applications|forms)\b`),
  // Subjects that "will be the end of me".
  rx(String.raw`\b(?:physiology|anatomy|pathology|pharm\w*|biochem\w*|micro\w*|renal|cardio|neuro|immuno\w*|genetics|ethics|block|rotation|course|class|module|subject|chapter|topic|acid base)\b(?: \w+){0,3} (?:is|will be|gonna be|going to be) the (?:end|death) of me\b`),
  // Study and clinical topics: "overdose antidotes", "the patient's overdose history", "PHQ-9 ... better off dead".
  rx(String.raw`\boverdos\w* (?:antidote\w*|history|hx|management|treatment|case\w*|question\w*|patient\w*|lecture\w*|protocol\w*)\b|\b(?:patient|patients|pts?) overdos\w*|\b(?:phq ?9?|question|item|screening) (?:\w+ ){0,6}(?:better off dead|hurting (?:yourself|themselves))\b|\b(?:how to ask|ask(?:ing)? (?:patients|people|them|someone|a patient|the patient|about)|taught us (?:how )?to (?:ask|screen)(?: about| for)?) (?:\w+ ){0,2}suicid\w*`),
  // Pidgin "X die" means "very X": "I dey sad die", "e sweet me die".
  rx(String.raw`\b(?:sad|sweet|sweets|fear|tire|tired|happy|vex|hungry|cold|pain|pains|enjoy|like|love|laugh|shock|shocked|worry|worried|nervous|funny|fine|good|hot|busy|hustle)\b(?: (?!(?:i|wan|want|go|fit|make|wish|must|ready|to|sef)\b)\w+){0,2} die\b(?= *(?:o|sef|well well)? *(?:\||$))`),
];
