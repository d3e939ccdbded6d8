import { rx, type Rule } from './crisis-kit';

/**
 * The languages our applicants write in besides English, as they type them in a text: Hindi and
 * Urdu in Latin letters (Hinglish), Spanish, Nigerian Pidgin, Tagalog and Taglish, Portuguese and
 * French read the same normalised text as English (accents and apostrophes gone, letters
 * squeezed: "jaaan" and "jan" read alike, "j'ai" reads "jai"). Arabic in Latin letters keeps its
 * digits, which are letters there (3 = ain, 7 = ha, 2 = hamza, 5 = kha), so it has a view of its
 * own (crisis.ts arabiziText) and rules of its own.
 *
 * Each language has the same layers as English: risk (direct, indirect, means, farewell, time),
 * the middle band (the coach asks directly), distress, and the idioms that are not risk ("me muero
 * de risa", "this exam wan kill me o", "mamatay ako sa kilig"). Written from our own knowledge of
 * how these phrases are used, and measured on the labelled sets in test/fixtures: native speakers
 * should review them, and every missed real message should become a labelled line.
 */

// ---- Latin-letter languages (the English text view) ----------------------------------------------

export const LANGUAGE_RISK_RULES: readonly Rule[] = [
  // Hindi / Urdu
  {
    id: 'hi-die',
    pattern: rx(
      String.raw`\b(?:mar (?:jana|jaana|jaun|jaunga|jaungi|jaon|jaoon|jau) ?(?:chahta|chahti|chahte|hai|hoon|hu)?|mar jaunga|mar jaungi|marna (?:hai|chahta|chahti)|mujhe marna|marne (?:ka|ki) (?:man|mann|dil|icha|irada))\b`,
    ),
  },
  {
    id: 'hi-kill-self',
    pattern: rx(
      String.raw`\b(?:khud|apne aap|apne ap|khud hi) ko (?:maar|mar|khatam|khtm|mita) (?:dunga|dungi|dalunga|dalungi|lunga|lungi|doon|du|dena|karna|kar|karunga|karungi|deta|chahta|chahti)\b|\bsuicide kar\w*|\bjaan (?:de|le) (?:dunga|dungi|lunga|lungi|doon|loon)\b|\bkhatam kar (?:dunga|dungi|lunga|lungi)\b`,
    ),
  },
  {
    id: 'hi-not-live',
    pattern: rx(
      String.raw`\bjeene ka (?:man|mann|dil) nahi\b|\b(?:ab )?(?:aur )?(?:nahi|nhi|nai) jeena\b|\bjeena nahi (?:chahta|chahti|hai)\b|\b(?:mere|mare) bina sab (?:behtar|khush|theek|acha|achhe)\b|\bkaash main paida (?:hi )?na (?:hota|hoti)\b|\b(?:bhagwan|allah|rab|khuda|upar wala) (?:mujhe )?(?:utha le|bula le|utha lo|le ja)\b|\bzindagi (?:ka|me|mein) koi (?:matlab|faida|fayda|maqsad) nahi\b|\b(?:sab par|sab pe|ghar par|ghar walon par) bojh\b|\bbojh (?:hoon|hu|ban gaya|ban gayi)\b|\buthna nahi (?:chahta|chahti)\b|\bzindagi bekaar\b(?: \w+){0,3} khatam\b`,
    ),
  },
  {
    id: 'hi-means',
    pattern: rx(
      String.raw`\bneend ki goliyan\b|\bgoliyan (?:ikatthi|ikathi|jama|ek saath|sab|saari|khaa|kha)\b|\b(?:saari|sab|sari) goliyan\b|\bpankhe se (?:latak|lataka|phansi)\w*|\b(?:phansi|fansi|phanda|fanda)\b|\b(?:chhat|chat|chhath|building|terrace|pul|nadi|nadee)(?: \w+)? (?:se|mein|me|pe) kood\w*|\btrack (?:pe|par) let\w*|\b(?:zeher|zehar|zahar)\b|\brassi (?:le aaya|le aayi|laya|layi|hai|mil gayi|khareedi)\b|\bnas kaat\w*|\bkood (?:jaunga|jaungi|jaun|jaoon)\b`,
    ),
  },
  {
    id: 'hi-farewell',
    pattern: rx(
      String.raw`\b(?:aakhri|akhri|aakhiri) (?:khat|sms|message|msg|paigham)\b(?! (?:aaj ka|for today))|\balvida\b(?: (?:dosto|sab|sabko|sab ko|sabhi|duniya))?(?! (?:lahore|karachi|delhi|mumbai|dhaka|\w+ hello))|\bmaaf (?:karna|kar dena) (?:sab|sabko|mujhe)\b|\bmujhe maaf kar dena\b|\b(?:ammi|abbu|mummy|papa|maa|mama|abba) ko (?:bol|bata|keh) dena\b|\bmain ja (?:raha|rahi) (?:hoon|hu)\b(?= .*\bmaaf\b)`,
    ),
  },
  {
    id: 'hi-time',
    pattern: rx(
      String.raw`\b(?:main|mein|mai) nahi (?:rahunga|rahungi|rahoonga|rahoongi)\b|\b(?:aaj|aj) (?:ki )?raat aakhri\b|\b(?:kal|aaj) (?:subah|raat) tak sab khatam\b|\bzinda nahi (?:rahunga|rahungi|rahoonga|rahoongi|bachunga|bachungi)\b`,
    ),
  },
  // Spanish
  {
    id: 'es-die',
    pattern: rx(
      String.raw`\b(?:me quiero|quiero|voy a|me voy a|pienso en|pensando en|ganas de|deseo|tengo ganas de) (?:morir|morirme|matarme|suicidarme|quitarme la vida|acabar con mi vida|acabar con todo)\b|\bme (?:voy a )?(?:mato|matare|suicido|suicidare)\b|\bquitar(?:me)? la vida\b|\bacabar con mi vida\b|\bquiero morir\w*`,
    ),
  },
  {
    id: 'es-not-live',
    pattern: rx(
      String.raw`\bno quiero (?:seguir )?(?:vivir|existir|despertar)\b|\bya no quiero (?:seguir|estar|vivir|existir)\b|\bdormir y no despertar\b|\b(?:estarian|estaria|estarian todos) mejor sin mi\b|\bmejor sin mi\b|\bojala no hubiera nacido\b|\bsoy una carga\b|\bdesaparecer para siempre\b|\bcansad[oa] de vivir\b|\bno (?:le )?(?:encuentro|tiene|veo) sentido (?:a )?(?:la vida|vivir|seguir viviendo)\b`,
    ),
  },
  {
    id: 'es-means',
    pattern: rx(
      String.raw`\b(?:tengo|compre|ya tengo|ya compre) (?:una |la )?(?:soga|cuerda|pistola|arma)\b|\b(?:soga|cuerda) en el (?:armario|cuarto|closet)\b|\b(?:junte|tome todas|tomar todas|tomarme todas|todas) (?:todas )?(?:las |mis )?pastillas\b(?! para (?:la |el )?(?:gripe|tos|fiebre|cabeza|dolor|presion|alergia))|\b(?:voy a |me voy a )?(?:saltar|brincar|aventarme|tirarme|lanzarme) (?:de|del|desde) (?:la |el )?(?:azotea|puente|edificio|techo|balcon|piso)\b|\btodo el frasco\b|\b(?:tirar|aventar|lanzar|arrojar)me (?:del|de la|desde el|desde la|al|a la) (?:puente|azotea|edificio|techo|metro|tren|balcon)\b|\bme (?:voy a )?(?:tirar|aventar|lanzar) (?:del|de la|desde|al|a la) (?:puente|azotea|edificio|techo|metro|tren|balcon)\b|\bcortar(?:me)? las venas\b|\bveneno\b|\bcuchillo en la mano\b`,
    ),
  },
  {
    id: 'es-farewell',
    pattern: rx(
      String.raw`\b(?:mi )?ultimo mensaje\b(?! (?:de hoy|del dia|antes))|\bcarta (?:a|para) mis (?:papas|padres|hijos|hermanos)\b|\badios a todos\b|\badios,? gracias por todo\b|\bdigan(?:le)? a (?:mi|mis) (?:mama|papa|familia|padres|hermanos)\b|\bperdon a todos\b|\bmi despedida\b`,
    ),
  },
  {
    id: 'es-time',
    pattern: rx(String.raw`\b(?:esta es )?mi ultima noche\b|\b(?:manana|mañana) ya no (?:voy a estar|estare)\b|\bya no estare\b|\bse acaba todo\b`),
  },
  // Portuguese
  {
    id: 'pt-die',
    pattern: rx(
      String.raw`\bquero (?:me )?(?:morrer|matar)\b|\bvou me (?:matar|suicidar)\b|\bvou (?:tirar|acabar com) (?:a )?minha vida\b|\bacabar com a minha vida\b|\b(?:tenho )?vontade de morrer\b`,
    ),
  },
  {
    id: 'pt-not-live',
    pattern: rx(
      String.raw`\bnao quero mais (?:estar vivo|estar viva|viver|existir)\b|\b(?:ficaria|ficariam) melhor sem mim\b|\bmelhor sem mim\b|\bdormir e (?:nao|nunca mais) acordar\b|\bsou um peso\b|\bcansei de viver\b|\bdesaparecer para sempre\b|\b(?:nao vejo|sem) (?:motivo|razao|sentido) (?:pra|para) (?:continuar vivendo|viver|continuar)\b`,
    ),
  },
  {
    id: 'pt-means',
    pattern: rx(
      String.raw`\b(?:juntei|tomar|tomei|guardei) (?:todos )?os (?:comprimidos|remedios)\b|\bcomprei (?:uma |a )?corda\b|\ba corda (?:ja )?(?:esta|ta)\b|\bpular (?:da|do) (?:ponte|predio|janela|viaduto)\b|\b(?:no )?alto da ponte\b(?! .*\b(?:foto|fotos|por do sol|vista)\b)|\btomar veneno\b|\bfaca (?:esta |ta )?na minha mao\b|\bme jogar na frente do (?:trem|onibus|carro|metro)\b`,
    ),
  },
  {
    id: 'pt-farewell',
    pattern: rx(String.raw`\b(?:minha )?ultima mensagem\b(?! (?:de hoje|do dia|antes))|\bdeixei uma carta\b|\badeus(?:,)? (?:a todos|obrigad[oa])\b|\bdigam a minha (?:familia|mae)\b`),
  },
  {
    id: 'pt-time',
    pattern: rx(String.raw`\b(?:minha )?ultima noite\b|\bamanha (?:eu )?nao (?:estarei|vou estar) mais aqui\b|\bacabo com tudo\b`),
  },
  // French
  {
    id: 'fr-die',
    pattern: rx(
      String.raw`\bje (?:veux|voudrais|vais) (?:me tuer|mourir|en finir)\b|\bje vais me (?:tuer|suicider)\b|\bmettre fin a (?:mes jours|ma vie)\b|\ben finir avec (?:la vie|ma vie)\b|\benvie de (?:mourir|me tuer)\b`,
    ),
  },
  {
    id: 'fr-not-live',
    pattern: rx(
      String.raw`\bje ne veux plus (?:etre en vie|vivre|exister)\b|\bmieux sans moi\b|\bdormir et ne (?:jamais|plus) me reveiller\b|\bje suis un fardeau\b|\bmarre de vivre\b|\bdisparaitre pour toujours\b|\bla vie na plus de sens\b`,
    ),
  },
  {
    id: 'fr-means',
    pattern: rx(
      String.raw`\b(?:une|la|ma) corde\b|\b(?:garde|pris|avaler|avale) (?:tous |toutes )?(?:mes|les) (?:medicaments|pilules|comprimes|cachets)\b|\b(?:toutes|tous) (?:mes|les) (?:pilules|medicaments|comprimes|cachets)\b|\bsauter (?:du|de la|depuis le) (?:toit|pont|balcon|haut)\b|\bsur le pont\b(?! .*\b(?:photo|photos|coucher|vue)\b)|\bcouteau dans la main\b|\bme jeter sous le (?:train|metro|bus)\b`,
    ),
  },
  {
    id: 'fr-farewell',
    pattern: rx(String.raw`\b(?:mon )?dernier message\b(?! (?:de la journee|avant|pour aujourdhui))|\blaisse une lettre\b|\badieu\b|\bdites a ma (?:mere|famille)\b`),
  },
  {
    id: 'fr-time',
    pattern: rx(String.raw`\b(?:ma )?derniere nuit\b|\bdemain je ne serai plus la\b|\bjen finis\b`),
  },
  // Nigerian Pidgin
  {
    id: 'pcm-risk',
    pattern: rx(
      String.raw`\b(?:go|wan|fit|must|don ready to) (?:just )?end am\b|\bno wan (?:dey )?(?:alive|live|dey alive)\b|\bmake (?:you |e )?carry me go\b|\b(?:god|lord|jesus|baba god) (?:abeg )?(?:take|carry) (?:my life|me)\b|\btire (?:for|of) (?:this )?life\b|\bwan rest forever\b|\bsleep (?:no|not) wake up\b|\bdon tire to live\b|\blife no (?:get|get any) (?:meaning|value|sense)\b|\bmake i (?:just )?comot\b|\bdon buy rope\b|\brope dey (?:my|inside)\b|\bjump (?:for|from|inside) (?:the |that )?(?:bridge|lagoon|river|third mainland)\b|\b(?:gather|swallow) (?:all )?(?:the|this|these) (?:tablets|drugs|pills)\b|\btell my (?:mama|mummy|papa|daddy) say (?:i )?sorry\b|\bmake una (?:forgive me|no cry for me)\b|\bbye bye everybody\b|\bna my last (?:text|message|day)\b|\bby tomorrow i no go dey\b|\btonight na the night\b`,
    ),
  },
  // Tagalog / Taglish
  {
    id: 'tl-risk',
    pattern: rx(
      String.raw`\bgusto ko (?:na |nang )?(?:lang )?(?:mamatay|magpakamatay|mawala)\b|\bpapatayin ko (?:na )?(?:ang )?sarili ko\b|\biniisip ko (?:mag)?pakamatay\b|\bmamamatay na (?:lang )?ako\b(?! sa)|\bmas (?:mabuti|okay|ok|maganda|masaya) (?:pa |sila |silang lahat )?kung wala na ako\b|\bsana (?:di|hindi) na ako magising\b|\bpabigat (?:lang )?ako\b|\bwala nang silbi ang buhay ko\b|\bsana kunin na ako\b|\blubid\b|\biinumin ko lahat ng (?:gamot|tableta|pills)\b|\btatalon (?:na )?ako\b|\blason\b|\b(?:mag)?bibigti\b|\bhawak ko na (?:yung |ang )?kutsilyo\b|\bpaalam (?:na )?sa (?:inyong )?lahat\b|\bhuling (?:mensahe|text|message) ko\b|\bpakisabi kay (?:mama|papa|nanay|tatay|mommy|daddy) (?:na )?mahal ko\b|\baalis na ako\b(?= .*\bsorry\b)|\bsorry sa lahat\b(?: \w+){0,3} aalis na ako\b|\b(?:bukas|mamaya) wala na ako\b|\bmamayang gabi\b(?: \w+){0,3} tatapusin\b|\btapos na ako sa (?:lunes|martes|miyerkules|huwebes|biyernes|sabado|linggo)\b`,
    ),
  },
];

export const LANGUAGE_ASK_RULES: readonly Rule[] = [
  {
    id: 'hopeless-other-language',
    pattern: rx(
      String.raw`\b(?:ab )?mujhse (?:aur )?nahi hota\b|\bkoi (?:umeed|ummeed|umid) nahi\b|\bsab khatam ho gaya\b|\bhaar (?:gaya|gayi) (?:hoon|hu)\b|\bkuch (?:bhi )?theek nahi hoga\b|\bbas ab aur nahi\b|\bthak (?:gaya|gayi) (?:hoon|hu) sab se\b|\bkuch bhi karne ka fayda nahi\b|\btoot (?:gaya|gayi) (?:hoon|hu)\b` +
        String.raw`|\bno puedo mas\b|\bya no aguanto\b|\bno aguanto mas\b|\btodo es inutil\b|\b(?:no tengo|sin|perdi la) esperanza\b|\bme rendi\b|\bno veo (?:futuro|salida)\b` +
        String.raw`|\bnao aguento mais\b|\bnao tenho mais esperanca\b|\bdesisti de tudo\b|\bnao vejo (?:mais )?saida\b|\bnada faz sentido\b|\bno meu limite\b` +
        String.raw`|\bnen peux (?:vraiment )?plus\b|\bplus despoir\b|\bjabandonne tout\b|\brien na de sens\b|\bje suis a bout\b|\bpas davenir\b` +
        String.raw`|\bi don tire *$|\bno get hope\b|\beverything don finish for me\b|\bi no fit (?:do am )?again\b|\bwetin be the use\b|\bi don give up\b|\bdon reach my limit\b` +
        String.raw`|\b(?:hindi|di) ko na kaya\b|\bsuko na ako\b|\bwala nang pag ?asa\b|\bpagod na pagod na ako sa lahat\b|\bwala nang saysay\b|\bayoko na talaga\b|\bwala na akong pakialam\b`,
    ),
  },
];

export const LANGUAGE_DISTRESS_RULES: readonly Rule[] = [
  {
    id: 'distress-other-language',
    pattern: rx(
      String.raw`\b(?:tension|udaas|udas|dukh|ghabrahat|akelapan|akela|akeli|bahut pressure|dar lag|ro (?:raha|rahi)|neend nahi|mann (?:bahut )?bhaari|dil (?:bahut )?udaas|bura lag|yaad aa)\w*` +
        String.raw`|\b(?:estresad[oa]|ansiedad|triste|llore|agotad[oa]|(?:muy|me siento|estoy) sol[oa]|fracaso|miedo|panico|nervios|no puedo dormir)\b` +
        String.raw`|\b(?:ansios[oa]|triste|chorei|sozinh[oa]|esgotad[oa]|(?:tenho|com) medo|estressad[oa]|fracasso|saudade|nao consigo dormir)\b` +
        String.raw`|\b(?:angoisse\w*|triste|narrive pas a dormir|pleure|epuise\w*|jai peur|me sens nul\w*|je stresse|suis stresse\w*|(?:me sens|suis) seul\w*|decourage\w*)\b` +
        String.raw`|\b(?:mind no dey|dey fear|dey sad|wahala|no fit sleep|dey cry|dey pain|dey worry|e pain me|body dey tire)\b` +
        String.raw`|\b(?:stressed na|malungkot|lungkot|di ako makatulog|kinakabahan|umiiyak|nalulungkot|sobrang pagod|ang sakit|na ?miss|takot ako)\b`,
    ),
  },
];

/** Idioms in these languages that are not risk: blanked before the rules run. */
export const LANGUAGE_IDIOMS: readonly RegExp[] = [
  // Hindi / Urdu: "khushi se mar jaunga" (so happy), "yeh exam jaan le lega" (this exam will kill me).
  rx(String.raw`\b(?:khushi|hans hans|hasi|has has) (?:se |ke |ki )?(?:mar|pagal|pet)\w*(?: \w+)?|\bmar gaye yaar\b|\b(?:jaan|jan) (?:le|nikal) (?:lega|legi|liya|degi|dega)\b|\bmaar (?:dalega|dalegi|dala)\b|\bneend se mar\w*|\bdimaag ka dahi\b`),
  // Spanish: "me muero de risa", "me muero por verte", "este examen me esta matando", "muerta de cansancio".
  rx(String.raw`\b(?:me muero|muero|me mori|me estoy muriendo|muriendome|muert[oa]) (?:de|por) \w+|\b(?:me esta|me estan|me va a|me van a) (?:matando|matar)\b|\bme mata\b`),
  // Portuguese: "morri de rir", "morrendo de saudade", "essa materia esta me matando".
  rx(String.raw`\b(?:morri|morrendo|morro|mort[oa]) de \w+|\b(?:esta|ta|vai|vao) me matar\b|\b(?:esta|ta) me matando\b|\bme mata\b`),
  // French: "mort de rire", "je meurs d'envie", "cet examen me tue", "les biostats vont me tuer".
  rx(String.raw`\bmort(?:e|s)? de (?:rire|fatigue|faim|froid|chaud|peur|honte)\b|\bje meurs (?:de|d) ?\w+|\b(?:va|vont|ca va) me tuer\b|\bme tue\b`),
  // Pidgin: "this exam wan kill me o", "my phone don die", "I laugh tire".
  rx(String.raw`(?<!\bi )\b(?:wan|go|don|dey) (?:kill|finish) me\b|\b(?:phone|battery|light|nepa) (?:don|dey) die\b`),
  // Tagalog: "mamatay ako sa kilig" (dying of kilig), "papatayin ako ng exam", "patay na patay ako sa".
  rx(String.raw`\b(?:mamatay|mamamatay|namatay|patay) (?:na )?(?:ako )?sa (?:kilig|saya|tawa|init|gutom|pagod|antok|hiya|inggit|kaba|exam|biostats)\b|\bpapatayin ako ng\b|\bpatay na patay ako sa\b|\bnamatay ako sa tawa\b`),
];

// ---- Arabic in Latin letters (the Arabizi view: digits kept) -------------------------------------

export const ARABIZI_RISK_RULES: readonly Rule[] = [
  {
    id: 'ar-kill-self',
    pattern: rx(String.raw`\b\w*(?:2|q|k|')?t[aeiou]?l (?:nafs|nefs|nfs|7al|hal)\w*|\b\w*(?:rmy|rmi|rami|army|armi) (?:nafs|nefs|nfs|7al)\w*`),
  },
  {
    id: 'ar-suicide',
    pattern: rx(String.raw`\b(?:h|b|y)?(?:a|e|i)nt(?:a|e|i)?[h7](?:a|e)r\b|\binti[h7]ar\b|\bnte[h7]er\b`),
  },
  {
    id: 'ar-die',
    pattern: rx(
      String.raw`\b(?:3ayez|3ayza|3ayz|3awez|3awza|3awz|ayez|ayza|aiz|nefsy|nefsi|nfsi|nifsi|nfsy|bade|badi|bady|bdi|bidi|bedi|b2dy) (?:\w+ )?(?:a|2a|2|e)?m(?:o|u|ou)t\b`,
    ),
  },
  {
    id: 'ar-not-live',
    pattern: rx(
      String.raw`\b(?:mesh|msh|mish|mosh|ma|mush) (?:3ayez|3ayza|3awez|awz|bade|badi|bdi|aiz|ayez) (?:a3i?sh|a3ysh|a3esh|3ish|e3ish)\b|\bma3adsh (?:3ayez|3ayza) (?:akon|akoun|akun) (?:mawgod|mawjod)\b|\b(?:ya ?rab(?:i|y)?|yarab|rabena|allah) (?:\w+ )?(?:khodni|khodny|5odni|5odny|khudni|ya5odni|yakhodni|takhodni)\b|\b(?:men|mn|min) (?:gheiri|gheri|ghery|ghairi|3eri) (?:\w+ )?(?:a7san|ahsan|a7sn)\b|\bta3ban (?:men|mn|min) el 7aya\w*|\banam (?:w|we|wa) (?:mas7ash|mas7sh|masha2sh|ma2omsh)\b`,
    ),
  },
  {
    id: 'ar-means',
    pattern: rx(
      String.raw`\b(?:gebt|gibt|jebt|jibt|3andy|3andi|ma3aya|eshtarit|ishtarit) (?:\w+ )?7abl\b|\b(?:ha5od|hakhod|hakhud|a5od|akhod|hablaa|habla3|abla3) (?:\w+ ){0,2}(?:kol|kul) (?:el )?(?:borsham|bersham|barsham|dawa|adwya|7obob|7bob|brsham)\b|\b(?:hashrab|ashrab|hashreb|shrbt|sharabt|3andy) (?:\w+ )?(?:som|sim|smm)\b|\b(?:hanot|hn2t|a2fez|ha2fez|harmy|hnot) (?:\w+ ){0,2}(?:men|mn|min)? ?(?:fo2|fou2|foq|ta7t) ?(?:el )?(?:kobry|kobri|sat7|balacona|balkona|3emara|dor|metro)\b|\bwa2ef (?:3la|3ala|fo2) el (?:sat7|kobry|sor)\b`,
    ),
  },
  {
    id: 'ar-farewell',
    pattern: rx(
      String.raw`\bsam7o?(?:ony|oni|ny|ni) ya (?:gama3a|gma3a|shabab|nas)\b|\bsam7ooni\b|\bakher (?:resala|risala|message|msg|rsala)\b(?! (?:ablel|abl|before))|\b(?:2olo|olo|2oulo) (?:l|le|li)?(?:mama|mamy|ommy|baba|abuya|ahly)\b(?: \w+){0,2} (?:ba7ebha|ba7ebo|ba7ebhom|asef|sam7oni)\b|\bwada3an\b|\bma3 ?el ?salama (?:lel|lil|l) ?abad\b`,
    ),
  },
  {
    id: 'ar-time',
    pattern: rx(String.raw`\bakher leila\b|\b(?:mesh|msh) (?:hakon|ha2on|hakoun) (?:mawgod|mawjod|hena)\b`),
  },
];

export const ARABIZI_ASK_RULES: readonly Rule[] = [
  {
    id: 'ar-hopeless',
    pattern: rx(
      String.raw`\b(?:msh|mesh|mish|mosh) (?:2adra|adra|2ader|ader|2adr)\b(?! (?:anam|akol|azaker|ashof|afham|arkez))|\bta3bt khalas\b|\bta3ban khalas\b|\bma?fi?e?sh (?:fayda|amal)\b|\bma3adsh (?:fi|fe) amal\b|\b(?:5elst|khelst|5lst|5elset)\b`,
    ),
  },
];

export const ARABIZI_DISTRESS_RULES: readonly Rule[] = [
  {
    id: 'ar-distress',
    pattern: rx(String.raw`\b(?:mad2o2|mada2|za3lan|za3lana|2al2an|2al2ana|kharban|metwatar|mot3ab|ba3yat|7asis b wa7da|msh 3aref anam|mesh 3arfa anam)\w*`),
  },
];

export const ARABIZI_IDIOMS: readonly RegExp[] = [
  rx(String.raw`\b(?:mayet|mayta|mot|hamot|hamoot) (?:men|mn|min) (?:el )?(?:da7k|far7a|ta3ab|nom|goo3|go3|7ar)\b|\bhamot (?:w|we|wa) (?:a3raf|asma3|ashof|ashoof)\b|\b\w*(?:2atelny|mawetny|hatmawetny|hymawetny)\b`),
];
