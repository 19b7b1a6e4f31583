/* policy_advice: does a line ask for personal medical advice?
 *
 * Four things must hold, each on the folded text (policy_fold): it is a
 * question; it is in the first person ("I", "me", "my"); it asks for a
 * decision or a judgement about oneself or one's family ("should I",
 * "do I have", "is it safe for me", "is my ... normal", "what dose");
 * and it is about something medical (a word of a short list, or a word
 * shaped like a drug name: metformin, lisinopril). Questions about
 * patients in general or a clinician's own patients, and "should I share
 * my story?"-style questions about the chat itself, are not advice.
 * A false positive costs a polite private disclaimer; a false negative,
 * nothing worse than today: so it leans to not firing. */
#include <stdlib.h>
#include <string.h>

#include "policy_match.h"

/* Asking for a decision or a judgement about oneself or one's family. */
static const char *const frames[] = {
	" should i ", " should my ", " do i need ", " do i have ", " do i still ", " can i ",
	" could i ", " may i ", " is it safe ", " is it ok ", " is it okay ", " is it normal ",
	" is it bad ", " is it dangerous ", " is it serious ", " is this normal ",
	" is that normal ", " is this serious ", " is this bad ", " am i ", " what do i do ",
	" what can i ", " what dose ", " what dosage ", " how much ", " how many ", " is my ",
	" are my ", " does my ", " do my ", " could this be ", " could it be ", " what does it mean ",
	" why do i ", " why does my ", " why am i ", " will i ", " will my ", " do you think i ",
	" do you think my ", " what would you do ", " any advice ", " what do you recommend ",
	" what would you recommend ", " is there anything i ", " my doctor said ", " my dr said ",
	" my doc said ", " my oncologist said ", NULL};

/* After "should I", "can I"...: about the chat or a career, not one's
 * health ("should I share my story?", "should I become a doctor?"). */
static const char *const chat_verbs[] = {
	"share", "tweet", "post", "blog", "tell", "write", "join", "follow", "read", "attend",
	"register", "sign", "apply", "ask", "mention", "say", "add", "answer", "reply", "bring",
	"invite", "retweet", "rt", "dm", "message", "email", "cite", "quote", "link", "record",
	"watch", "listen", "vote", "submit", "send", "introduce", "chime", "jump", "become",
	"pursue", "study", "specialize", "specialise", "rank", "match", "teach", "volunteer",
	"donate", "thank", NULL};

/* A clinician asking about their practice, not about themself. */
static const char *const professional[] = {
	" my patients ", " my patient ", " my pts ", " my pt ", " my clients ", " my client ",
	" my students ", " my residents ", " my nurses ", " my staff ", " my team ",
	" my practice ", " my clinic ", " my unit ", " my hospital ", " my colleagues ",
	" my trainees ", " my learners ", " my panel ", " our patients ", NULL};

static const char *const first_person[] = {
	" i ", " me ", " my ", " mine ", " myself ", NULL};

/* Not "take", "start", "heart", "sick", "shot", "pressure", "chest",
 * "drink": "should I take a break?", "am I the only one sick of
 * clicks?", "can I grab a drink after?" are not medical. */
static const char *const medical_words[] = {
	"dose", "doses",
	"dosage", "mg", "mcg", "pill", "pills", "tablet", "tablets", "med", "meds", "medication",
	"medications", "medicine", "medicines", "drug", "drugs", "prescription", "prescribed",
	"rx", "insulin", "chemo", "chemotherapy", "radiation", "surgery", "operation",
	"treatment", "therapy", "test", "tests", "scan", "mri", "ct", "biopsy", "mammogram",
	"colonoscopy", "lump", "rash", "pain", "ache", "aches", "fever", "cough", "symptom",
	"symptoms", "bleeding", "blood", "headache", "headaches", "migraine", "migraines",
	"dizzy", "dizziness", "nausea", "vomiting", "diarrhea", "sugar", "glucose",
	"a1c", "cholesterol", "vaccine", "vaccines", "vaccinated", "booster",
	"antibiotic", "antibiotics", "side", "doctor", "doctors", "dr", "doc", "oncologist",
	"cardiologist", "gp", "er", "emergency", "hospital", "diagnosis", "diagnosed", "cancer",
	"diabetes", "diabetic", "pregnant", "pregnancy", "breastfeeding", "alcohol",
	"ibuprofen", "tylenol", "advil", "aspirin", "acetaminophen", "paracetamol", "supplement",
	"supplements", "vitamin", "vitamins", "infection", "infected", "covid", "flu", "allergic",
	"allergy", "anxiety", "depression", "depressed", "palpitations", "heartbeat", "afib",
	"lungs", "breathing", "illness", "disease", "psa", "tumor", "tumour", "mole", "sore",
	"swollen", "swelling", "injury", "broken", "fracture", "bp", "hypertension", "thyroid",
	"kidney", "liver", "stroke", "seizure", "seizures", "cramps", "contraception", "iud",
	"antidepressant", "antidepressants", "steroid", "steroids", "inhaler", "dialysis",
	"transplant", "labs", "levels", "period", "bleed",
	"bruise", "bruising", "stitches", "wound", "std", "sti", "hiv", "hpv", "prep", "opioid",
	"opioids", "painkillers", "sleeping", "melatonin", "cbd", "marijuana", NULL};

/* Endings of drug names (words of 6+ letters). */
static const char *const drug_endings[] = {
	"formin", "statin", "pril", "sartan", "olol", "azole", "cillin", "mycin", "cycline",
	"floxacin", "prazole", "tidine", "oxetine", "codone", "morphine", "profen", "mab", "tinib",
	"parin", "xaban", "gliptin", "gliflozin", "glutide", "lukast", "olone", "dronate",
	"thiazide", "semide", "dipine", "zepam", "zolam", "triptan", "ivir", "caine", "pramine",
	"barbital", "setron", "tropin", "oxacin", "terol", "traline", "alopram", "oxamine", "afaxine",
	"azepam", "apine", "idone", NULL};

static bool contains_any(const char *f, const char *const *list)
{
	for (int k = 0; list[k]; k++)
		if (strstr(f, list[k]))
			return true;
	return false;
}

/* Is the word starting at w (folded text) one of list? */
static bool word_is(const char *w, const char *const *list)
{
	size_t n = strcspn(w, " ");
	for (int k = 0; list[k]; k++)
		if (strlen(list[k]) == n && memcmp(w, list[k], n) == 0)
			return true;
	return false;
}

/* Is some occurrence of a frame not followed by a chat verb? */
static bool asks(const char *f)
{
	for (int k = 0; frames[k]; k++) {
		size_t n = strlen(frames[k]);
		for (const char *p = strstr(f, frames[k]); p; p = strstr(p + 1, frames[k])) {
			const char *next = p + n;
			/* "should I not ..." / "do I need to ...": look one further */
			if (strncmp(next, "not ", 4) == 0 || strncmp(next, "to ", 3) == 0 ||
			    strncmp(next, "still ", 6) == 0 || strncmp(next, "also ", 5) == 0)
				next += strcspn(next, " ") + 1;
			if (!word_is(next, chat_verbs))
				return true;
		}
	}
	return false;
}

static bool medical(const char *f)
{
	for (const char *w = f; *w;) {
		while (*w == ' ')
			w++;
		size_t n = strcspn(w, " ");
		if (!n)
			break;
		if (word_is(w, medical_words))
			return true;
		for (int k = 0; n >= 6 && drug_endings[k]; k++) {
			size_t e = strlen(drug_endings[k]);
			if (n > e && memcmp(w + n - e, drug_endings[k], e) == 0)
				return true;
		}
		w += n;
	}
	return false;
}

static const char *const question_words[] = {
	"should", "can", "could", "would", "is", "are", "do", "does", "did", "what", "how", "when",
	"which", "will", "may", "am", "why", "where", "who", "has", "have", NULL};

/* A '?' anywhere (ASCII or fullwidth), or a question word first. */
static bool question(const char *text, size_t len, const char *f)
{
	if (memchr(text, '?', len))
		return true;
	for (size_t i = 0; i + 2 < len; i++)
		if ((unsigned char)text[i] == 0xEF && (unsigned char)text[i + 1] == 0xBC &&
		    (unsigned char)text[i + 2] == 0x9F)
			return true;
	return word_is(f + 1, question_words);
}

bool policy_is_advice(const char *text, size_t len)
{
	size_t n;
	char *f = policy_fold(text, len, &n);
	/* "A2: ...", "T1 ...", "Q3 ...": the chat's own prefixes */
	char *s = f;
	if ((s[1] == 'a' || s[1] == 't' || s[1] == 'q') && s[2] >= '0' && s[2] <= '9') {
		size_t k = 2;
		while (s[k] >= '0' && s[k] <= '9')
			k++;
		if (s[k] == ' ')
			s += k;
	}
	bool yes = question(text, len, s) && contains_any(s, first_person) &&
		   !contains_any(s, professional) && asks(s) && medical(s);
	free(f);
	return yes;
}
