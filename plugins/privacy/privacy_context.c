/* privacy_context: identifiers that only words around them give away —
 * a number introduced as a medical record, member or account number, a
 * street address, and a person's name next to a clinical word (dates are
 * in privacy_date.c).
 *
 * Names are the one place a span may hold non-ASCII bytes (José, Zoë): a
 * name letter is either an ASCII letter or a whole, well-formed two-byte
 * Latin-1 Supplement / Latin Extended-A sequence, so spans still start and
 * end on character boundaries. */
#include <string.h>

#include "privacy_scan_impl.h"

/* ---- identifiers introduced by a keyword --------------------------------- */

enum {
	KW_MARK = 1,  /* a weak word: needs '#', ':', "number"... before the value */
	KW_UPPER = 2, /* only written in capitals ("FIN", "SIN") */
	KW_ZIP = 4,   /* the value is a postal code */
};

struct keyword {
	const char *pattern;
	enum privacy_category category;
	unsigned flags;
};

static const struct keyword id_keywords[] = {
	{"mrn", PRIVACY_ID, 0},
	{"mrn#", PRIVACY_ID, 0},
	{"mr#", PRIVACY_ID, 0},
	{"mr #", PRIVACY_ID, 0},
	{"mr no", PRIVACY_ID, 0},
	{"medical record", PRIVACY_ID, 0},
	{"med rec", PRIVACY_ID, 0},
	{"record", PRIVACY_ID, KW_MARK},
	{"chart", PRIVACY_ID, KW_MARK},
	{"patient id", PRIVACY_ID, 0},
	{"patient", PRIVACY_ID, KW_MARK},
	{"pt id", PRIVACY_ID, 0},
	{"hospital number", PRIVACY_ID, 0},
	{"hospital no", PRIVACY_ID, 0},
	{"hosp no", PRIVACY_ID, 0},
	{"ur number", PRIVACY_ID, 0},
	{"urn", PRIVACY_ID, KW_UPPER},
	{"nhs", PRIVACY_ID, KW_MARK},
	{"chi", PRIVACY_ID, KW_MARK | KW_UPPER},
	{"health card", PRIVACY_ID, 0},
	{"ohip", PRIVACY_ID, 0},
	{"medicare", PRIVACY_ID, KW_MARK},
	{"medicaid", PRIVACY_ID, KW_MARK},
	{"mbi", PRIVACY_ID, KW_UPPER},
	{"member id", PRIVACY_ID, 0},
	{"member", PRIVACY_ID, KW_MARK},
	{"subscriber id", PRIVACY_ID, 0},
	{"subscriber", PRIVACY_ID, KW_MARK},
	{"beneficiary id", PRIVACY_ID, 0},
	{"insurance id", PRIVACY_ID, 0},
	{"insurance", PRIVACY_ID, KW_MARK},
	{"health plan id", PRIVACY_ID, 0},
	{"health plan", PRIVACY_ID, KW_MARK},
	{"plan id", PRIVACY_ID, 0},
	{"group", PRIVACY_ID, KW_MARK},
	{"policy", PRIVACY_ID, KW_MARK},
	{"account", PRIVACY_ID, KW_MARK},
	{"acct", PRIVACY_ID, 0},
	{"acc no", PRIVACY_ID, 0},
	{"a/c", PRIVACY_ID, KW_MARK},
	{"claim", PRIVACY_ID, KW_MARK},
	{"case", PRIVACY_ID, KW_MARK},
	{"encounter", PRIVACY_ID, KW_MARK},
	{"enc", PRIVACY_ID, KW_MARK},
	{"visit", PRIVACY_ID, KW_MARK},
	{"fin", PRIVACY_ID, KW_UPPER},
	{"csn", PRIVACY_ID, KW_UPPER},
	{"id", PRIVACY_ID, KW_MARK},
	{"license", PRIVACY_ID, KW_MARK},
	{"licence", PRIVACY_ID, KW_MARK},
	{"driver's license", PRIVACY_ID, 0},
	{"drivers license", PRIVACY_ID, 0},
	{"passport", PRIVACY_ID, KW_MARK},
	{"ssn", PRIVACY_SSN, 0},
	{"ss#", PRIVACY_SSN, 0},
	{"ss #", PRIVACY_SSN, 0},
	{"ss no", PRIVACY_SSN, 0},
	{"soc sec", PRIVACY_SSN, 0},
	{"social security", PRIVACY_SSN, 0},
	{"sin", PRIVACY_SSN, KW_UPPER},
	{"zip", PRIVACY_ADDRESS, KW_ZIP},
	{"zip code", PRIVACY_ADDRESS, KW_ZIP},
	{"zipcode", PRIVACY_ADDRESS, KW_ZIP},
	{"postal code", PRIVACY_ADDRESS, KW_ZIP},
	{"postcode", PRIVACY_ADDRESS, KW_ZIP},
	{"post code", PRIVACY_ADDRESS, KW_ZIP},
};

enum mark { MARK_NONE, MARK_VERB, MARK_SIGN };

/* Words between a keyword and its value; *mark says how strongly they
 * mark what follows as a number: a sign ('#', ':', "number") or a verb
 * ("is"), which weak keywords need. */
static size_t skip_filler(const struct privacy_scanner *s, size_t i, enum mark *mark)
{
	static const char *const marks[] = {"number", "numbers", "num", "nbr", "no.", "no", "nos",
					    "id", "ending in", "ends in", "ending with", NULL};
	static const char *const verbs[] = {"is", "was", NULL};
	static const char *const others[] = {"are", "of", "for", "last 4", "last four", "digits", NULL};
	*mark = MARK_NONE;
	for (int step = 0; step < 6; step++) {
		i = privacy_skip_spaces(s, i);
		unsigned char c = privacy_at(s, i);
		size_t e;
		if (c == '#' || c == ':' || c == '=') {
			*mark = MARK_SIGN;
			i++;
		} else if (c == '-' || c == '.' || c == '(') {
			i++;
		} else if (c == 0xE2 && privacy_at(s, i + 1) == 0x80 &&
			   (privacy_at(s, i + 2) == 0x93 || privacy_at(s, i + 2) == 0x94)) {
			i += 3; /* en or em dash */
		} else if (privacy_match_any(s, i, marks, &e) >= 0) {
			*mark = MARK_SIGN;
			i = e;
		} else if (privacy_match_any(s, i, verbs, &e) >= 0) {
			if (*mark < MARK_VERB)
				*mark = MARK_VERB;
			i = e;
		} else if (privacy_match_any(s, i, others, &e) >= 0) {
			i = e;
		} else {
			break;
		}
	}
	return i;
}

/* The value of an identifier at i: alphanumeric groups joined by single
 * '-', '.', '/' or spaces ("00123456", "XJK-123-45678", "943 476 5919").
 * Returns its end if it has at least min_digits digits, else 0. */
static size_t id_value_at(const struct privacy_scanner *s, size_t i, size_t min_digits, bool zip)
{
	size_t j = i, end = 0, digits = 0, letters = 0, groups = 0;
	while (j - i < 40) {
		size_t a = j, d = 0, l = 0;
		while (privacy_is_alnum(privacy_at(s, j))) {
			if (privacy_is_digit(s->t[j]))
				d++;
			else
				l++;
			j++;
		}
		if (j == a || !privacy_free(s, a, j) || j - a > 24)
			break;
		if (!d) {
			/* a word: part of the value only as a short capital prefix
			 * joined by a hyphen ("ABC-1234") or a postcode's half */
			bool caps = true;
			for (size_t k = a; k < j; k++)
				caps &= privacy_is_upper(s->t[k]);
			if (!(groups == 0 && caps && j - a <= 4 && privacy_at(s, j) == '-') &&
			    !(zip && groups == 1 && caps && j - a <= 3))
				break;
		}
		digits += d;
		letters += l;
		groups++;
		end = j;
		unsigned char c = privacy_at(s, j);
		if ((c == '-' || c == '.' || c == '/' || c == ' ') && privacy_is_alnum(privacy_at(s, j + 1)))
			j++;
		else
			break;
	}
	if (!end || !privacy_word_end(s, end))
		return 0;
	if (zip)
		return digits >= 5 || (digits >= 1 && letters >= 2 && end - i >= 5) ? end : 0;
	return digits >= min_digits ? end : 0;
}

void privacy_scan_keyword_ids(struct privacy_scanner *s)
{
	for (size_t i = 0; i < s->len; i++) {
		if (!privacy_word_start(s, i) || !privacy_is_alpha(s->t[i]) || s->taken[i])
			continue;
		const struct keyword *best = NULL;
		size_t best_end = 0;
		for (size_t k = 0; k < sizeof id_keywords / sizeof id_keywords[0]; k++) {
			size_t e = privacy_match(s, i, id_keywords[k].pattern);
			if (!e || e <= best_end)
				continue;
			if (id_keywords[k].flags & KW_UPPER) {
				bool caps = true;
				for (size_t q = i; q < e; q++)
					caps &= !privacy_is_lower(s->t[q]);
				if (!caps)
					continue;
			}
			best = &id_keywords[k];
			best_end = e;
		}
		if (!best)
			continue;
		enum mark mark;
		size_t v = skip_filler(s, best_end, &mark);
		if ((best->flags & KW_MARK) && mark == MARK_NONE)
			continue;
		/* a weak word wants more: "support group: 2020" is a year, "her
		 * ID is 12345678" an ID but "the policy is 2019" not */
		size_t min_digits = !(best->flags & KW_MARK) ? 4 : mark == MARK_SIGN ? 5 : 6;
		size_t e = id_value_at(s, v, min_digits, best->flags & KW_ZIP);
		if (!e)
			continue;
		privacy_add(s, v, e, best->category);
		i = e - 1;
	}
}

/* ---- street addresses ---------------------------------------------------- */

static const char *const street_suffixes[] = {
	"street", "st.", "st", "avenue", "ave.", "ave", "av.", "road", "rd.", "rd", "boulevard",
	"blvd.", "blvd", "lane", "ln.", "ln", "drive", "dr.", "dr", "court", "ct.", "ct", "place",
	"pl.", "pl", "way", "terrace", "ter.", "terr.", "parkway", "pkwy.", "pkwy", "highway", "hwy.",
	"hwy", "circle", "cir.", "cir", "crescent", "cres.", "close", "square", "sq.", "trail",
	"trl.", "pike", "turnpike", "mews", "grove", NULL};

static const char *const directions[] = {
	"north", "south", "east", "west", "n.", "s.", "e.", "w.", "ne", "nw", "se", "sw", NULL};

static const char *const units[] = {
	"apartment", "apt.", "apt", "suite", "ste.", "ste", "unit", "flat", "#", "no.", NULL};

/* A capitalized street-name word or an ordinal ("5th") at i; its end or 0. */
static size_t street_word_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = i;
	if (privacy_is_digit(privacy_at(s, j))) {
		while (privacy_is_digit(privacy_at(s, j)))
			j++;
		static const char *const ord[] = {"st", "nd", "rd", "th", NULL};
		size_t e;
		return privacy_match_any(s, j, ord, &e) >= 0 && j - i <= 3 ? e : 0;
	}
	if (!privacy_is_upper(privacy_at(s, j)))
		return 0;
	j++;
	while (privacy_is_alpha(privacy_at(s, j)) || privacy_at(s, j) == '\'')
		j++;
	return j - i >= 2 && privacy_word_end(s, j) ? j : 0;
}

/* "Apt 4B", "Suite 200", "#12" after the street; its end or 0. */
static size_t unit_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = privacy_at(s, i) == ',' ? i + 1 : i;
	j = privacy_skip_spaces(s, j);
	size_t e;
	if (privacy_match_any(s, j, units, &e) < 0)
		return 0;
	j = privacy_skip_spaces(s, e);
	size_t a = j;
	while (privacy_is_alnum(privacy_at(s, j)) || (privacy_at(s, j) == '-' && j > a))
		j++;
	return j > a && j - a <= 6 && privacy_word_end(s, j) ? j : 0;
}

/* ", Springfield, IL 62704" after the street; its end or 0. */
static size_t city_at(const struct privacy_scanner *s, size_t i)
{
	if (privacy_at(s, i) != ',')
		return 0;
	size_t j = privacy_skip_spaces(s, i + 1), words = 0;
	for (;;) {
		size_t e = street_word_at(s, j);
		if (!e || privacy_is_digit(s->t[j]))
			break;
		j = e;
		if (++words == 3)
			break;
		size_t k = privacy_skip_spaces(s, j);
		if (k == j || !privacy_is_upper(privacy_at(s, k)) || privacy_is_upper(privacy_at(s, k + 1)))
			break;
		j = k;
	}
	if (!words)
		return 0;
	size_t k = j;
	if (privacy_at(s, k) == ',')
		k++;
	k = privacy_skip_spaces(s, k);
	if (!privacy_is_upper(privacy_at(s, k)) || !privacy_is_upper(privacy_at(s, k + 1)) ||
	    !privacy_word_end(s, k + 2))
		return 0;
	j = k + 2;
	size_t z = privacy_skip_spaces(s, j);
	size_t n = 0;
	while (privacy_is_digit(privacy_at(s, z + n)))
		n++;
	if (n == 5 && z > j) {
		j = z + 5;
		if (privacy_at(s, j) == '-' && privacy_is_digit(privacy_at(s, j + 1)))
			for (j++; privacy_is_digit(privacy_at(s, j)); j++)
				;
	}
	return privacy_word_end(s, j) ? j : 0;
}

/* "Dr Smith", "St Mary's": the suffix was a title or a saint. */
static bool suffix_is_title(const struct privacy_scanner *s, size_t a, size_t e)
{
	unsigned char c0 = privacy_lower(s->t[a]);
	if (!((c0 == 'd' || c0 == 's') && e - a <= 3))
		return false;
	size_t k = privacy_skip_spaces(s, e);
	size_t u;
	return k > e && privacy_is_upper(privacy_at(s, k)) && privacy_match_any(s, k, units, &u) < 0;
}

static size_t address_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = i;
	while (privacy_is_digit(privacy_at(s, j)))
		j++;
	if (j - i > 6)
		return 0;
	if (privacy_is_alpha(privacy_at(s, j)) && !privacy_is_alpha(privacy_at(s, j + 1)))
		j++; /* 221B */
	else if (privacy_at(s, j) == '-' && privacy_is_digit(privacy_at(s, j + 1)))
		for (j++; privacy_is_digit(privacy_at(s, j)); j++)
			;
	if (privacy_at(s, j) != ' ')
		return 0;
	j = privacy_skip_spaces(s, j);
	size_t e;
	if (privacy_match_any(s, j, directions, &e) >= 0)
		j = privacy_skip_spaces(s, e);
	else if (privacy_at(s, j) && strchr("NSEW", s->t[j]) && privacy_at(s, j + 1) == ' ')
		j = privacy_skip_spaces(s, j + 1);
	for (int words = 0; words < 4; words++) {
		size_t w = street_word_at(s, j);
		if (!w)
			return 0;
		size_t k = privacy_skip_spaces(s, w);
		if (k == w)
			return 0;
		if (privacy_match_any(s, k, street_suffixes, &e) >= 0 && !suffix_is_title(s, k, e)) {
			size_t end = e;
			size_t u = unit_at(s, end);
			if (u)
				end = u;
			size_t c = city_at(s, end);
			return c ? c : end;
		}
		j = k;
	}
	return 0;
}

void privacy_scan_addresses(struct privacy_scanner *s)
{
	static const char *const po_box[] = {"p.o. box", "p. o. box", "po box", "p o box", "pob", NULL};
	for (size_t i = 0; i < s->len; i++) {
		if (!privacy_word_start(s, i) || s->taken[i])
			continue;
		unsigned char p = i ? s->t[i - 1] : ' ';
		size_t e = 0, b;
		if (privacy_is_digit(s->t[i]) && p != '/' && p != '#' && p != '.' && p != ',') {
			e = address_at(s, i);
		} else if (privacy_match_any(s, i, po_box, &b) >= 0) {
			size_t k = privacy_skip_spaces(s, b), n = 0;
			while (privacy_is_digit(privacy_at(s, k + n)))
				n++;
			if (n && privacy_word_end(s, k + n))
				e = k + n;
		}
		if (e && privacy_free(s, i, e)) {
			privacy_add(s, i, e, PRIVACY_ADDRESS);
			i = e - 1;
		}
	}
}

/* ---- names next to clinical words ---------------------------------------- */

/* Is the two-byte sequence at i a Latin-1 Supplement or Latin Extended-A
 * letter? *upper says which case (for the ranges that have one). */
static bool latin_letter(const struct privacy_scanner *s, size_t i, bool *upper)
{
	unsigned char a = privacy_at(s, i), b = privacy_at(s, i + 1);
	if (b < 0x80 || b > 0xBF)
		return false;
	if (a == 0xC3) {
		if (b == 0x97 || b == 0xB7) /* × ÷ */
			return false;
		*upper = b < 0x9F;
		return true;
	}
	if (a == 0xC4 || a == 0xC5) {
		unsigned cp = ((unsigned)(a & 0x1F) << 6) | (b & 0x3F);
		bool odd = cp & 1;
		if (cp == 0x138 || cp == 0x149 || cp == 0x17F) /* ĸ ŉ ſ */
			*upper = false;
		else if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
			*upper = odd;
		else
			*upper = cp == 0x178 || !odd; /* Ÿ; otherwise pairs, capital first */
		return true;
	}
	return false;
}

/* A name word at i: a capital then 1+ small letters ("Smith", "McDonald",
 * "O'Brien", "Smith-Jones", "José"), or an initial ("J."). Its end or 0. */
static size_t name_word_at(const struct privacy_scanner *s, size_t i, bool *initial)
{
	bool up;
	size_t j = i;
	*initial = false;
	if (privacy_is_upper(privacy_at(s, j)))
		j++;
	else if (latin_letter(s, j, &up) && up)
		j += 2;
	else
		return 0;
	if (privacy_at(s, j) == '.' && privacy_word_start(s, i)) {
		*initial = true;
		return j + 1;
	}
	size_t small = 0, letters = 1;
	for (;;) {
		unsigned char c = privacy_at(s, j);
		if (privacy_is_lower(c)) {
			small++;
			letters++;
			j++;
		} else if (privacy_is_upper(c) && letters >= 2) {
			letters++;
			j++;
		} else if (latin_letter(s, j, &up)) {
			small += !up;
			letters++;
			j += 2;
		} else if ((c == '\'' || c == '-') && privacy_is_upper(privacy_at(s, j + 1))) {
			j += 2; /* O'Brien, Smith-Jones */
			letters++;
		} else {
			break;
		}
	}
	if (!small || privacy_is_digit(privacy_at(s, j)))
		return 0;
	return j;
}

/* Capitalized words that are not names. */
static const char *const not_names[] = {
	"The", "This", "That", "These", "Those", "There", "Then", "They", "Their", "Them", "We",
	"He", "She", "It", "Its", "My", "Our", "Your", "His", "Her", "Hers", "And", "But", "Or",
	"So", "If", "When", "While", "After", "Before", "With", "Without", "From", "For", "To", "In",
	"On", "At", "Of", "By", "As", "Is", "Was", "Are", "Has", "Had", "Who", "What", "Why", "How",
	"Where", "Which", "Today", "Tonight", "Yesterday", "Tomorrow", "Last", "Next", "Now",
	"Just", "Also", "Still", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December", "Christmas", "Easter",
	"Thanksgiving", "God", "Dr", "Doctor", "Nurse", "Patient", "Patients", "Safety",
	"Experience", "Care", "Education", "Advocate", "Advocates", "Advocacy", "Engagement",
	"Portal", "Voices", "Voice", "Week", "Day", "Month", "Year", "Awareness", "Rights",
	"Centered", "Centred", "First", "Family", "Partner", "Partners", "Council", "Story",
	"Stories", "Hospital", "Clinic", "Center", "Centre", "Health", "Healthcare", "Medical",
	"Medicine", "University", "College", "School", "Syndrome", "Disease", "Cancer", "Type",
	"Stage", "Grade", "Covid", "Emergency", "Department", "Unit", "Room", "Bed", "Ward",
	"Floor", "Twitter", "Facebook", "Zoom", "Google", "Epic", "Cerner", "Medicare",
	"Medicaid", "English", "Spanish", "French", "American", "Black", "White", "Asian",
	"Latino", "Latina", "Hispanic", "Native", "Indigenous", "Some", "Many", "Most", "All",
	"Any", "Every", "Each", "One", "Two", "Three", "Yes", "No", "Not", "Thanks", "Thank",
	"Great", "Good", "Very", "Really", "Please", "Happy", "Welcome", "Hello", "Hi", "Hey",
	"Oh", "Ok", "Okay", "Sorry", "Wow", "Lol", "Amen", "Mom", "Dad", "Mum", "Mother", "Father",
	"Husband", "Wife", "Son", "Daughter", "Baby", "Sister", "Brother", "Grandma", "Grandpa",
	"Aunt", "Uncle", "Friend", "Team", "Staff", "Nursing", "Home", "House", "Office", "Street",
	"Road", "Avenue", "Hopkins", "Mayo", "Kaiser", "Cleveland", "Mount", "Sinai", "Saint",
	"St", "Guillain", "Barre", "Hodgkin", "Crohn", "Parkinson", "Alzheimer", "Addison",
	"Cushing", "Graves", "Hashimoto", "Huntington", "Bell", "Down", "Asperger", "Tourette",
	"Kawasaki", "Lyme", "Ebola", "Zika", "Marfan", "Raynaud", "Lupus", "Diabetes", "Heart",
	"Lung", "Kidney", "Liver", "Brain", "Breast", "Prostate", "Colon", "Blood", "Bone",
	"Mental", "Chronic", "Acute", "Pain", "Primary", "Palliative", "Hospice", "Intensive",
	"Critical", "General", "Internal", "Public", "Global", "Digital", "Social", "Media", "Chat",
	"Topic", "Question", "Answer", "Admission", "Discharge", "Surgery", "Pharmacy", "Full",
	"Code", "Comfort", "Access", "Services", "Zero", NULL};

static bool word_listed(const struct privacy_scanner *s, size_t a, size_t b, const char *const *list)
{
	for (int k = 0; list[k]; k++)
		if (strlen(list[k]) == b - a && memcmp(s->t + a, list[k], b - a) == 0)
			return true;
	return false;
}

/* Up to max_words name words at i (the first not an initial, none a word
 * that is not a name, at least min_words full ones). Returns the end of the
 * last, or 0. */
static size_t name_at(const struct privacy_scanner *s, size_t i, int min_words, int max_words)
{
	size_t j = i, end = 0;
	int full = 0;
	for (int w = 0; w < max_words; w++) {
		bool initial;
		size_t e = name_word_at(s, j, &initial);
		if (!e || !privacy_free(s, j, e) || (w == 0 && initial))
			break;
		if (!initial && word_listed(s, j, e, not_names))
			break;
		full += !initial;
		if (!initial)
			end = e;
		size_t k = privacy_skip_spaces(s, e);
		if (k == e)
			break;
		j = k;
	}
	if (full < min_words)
		return 0;
	/* "John Hopkins Hospital", "Crohn Disease": an institution or a
	 * disease named after someone, not a person */
	static const char *const after[] = {
		"hospital", "clinic", "center", "centre", "medical", "health", "university", "institute",
		"foundation", "syndrome", "disease", "memorial", "school", "college", "street", "st",
		"avenue", "ave", "road", "rd", "award", "lecture", "prize", NULL};
	size_t k = privacy_skip_spaces(s, end), e;
	if (privacy_match_any(s, k, after, &e) >= 0)
		return 0;
	return end;
}

static const char *const titles[] = {"Mrs.", "Mr.", "Ms.", "Mx.", "Mister", "Miss", "Mrs", "Mr", "Ms", "Mx", NULL};
static const char *const clinical_nouns[] = {"patient", "pt.", "pt", "client", "resident", NULL};
static const char *const relatives[] = {
	"mother", "mom", "mum", "father", "dad", "husband", "wife", "partner", "son", "daughter",
	"sister", "brother", "aunt", "uncle", "grandmother", "grandfather", "grandma", "grandpa",
	"niece", "nephew", "cousin", "fiance", "fiancee", NULL};
static const char *const determiners[] = {"my", "our", "the", "a", "your", "this", "their", "her", "his", NULL};
static const char *const possessives[] = {"my", "our", "your", "their", "her", "his", "pt's", "patient's", NULL};
static const char *const clinical_verbs[] = {
	"admitted", "readmitted", "diagnosed", "discharged", "transferred", "intubated",
	"examined", "treating", "treated", "admit", NULL};
static const char *const naming[] = {"named", "called", "name is", "name was", "name's", NULL};
static const char *const copulas[] = {"is", "was", NULL};
/* After a name: "Jane Doe was admitted", "William Davis is the pt". */
static const char *const auxiliaries[] = {
	"was", "is", "has been", "had been", "got", "just got", "will be", "being", NULL};
static const char *const participles[] = {
	"admitted", "readmitted", "diagnosed", "discharged", "transferred", "intubated",
	"hospitalized", "hospitalised", "rushed", "brought in", "seen", "treated", "pronounced",
	"coded", "extubated", "sent home", "the pt", "the patient", "my pt", "my patient",
	"our pt", "our patient", "a pt", "a patient", NULL};
/* After a name: "John Smith (MRN 123)", "Frank Moore, DOB 2/2/44". */
static const char *const record_words[] = {
	"mrn", "mr#", "dob", "d.o.b", "date of birth", "medical record", "ssn", NULL};

/* Is the name ending at e followed by a clinical verb or a record? */
static bool clinical_after(const struct privacy_scanner *s, size_t e)
{
	size_t k = privacy_skip_spaces(s, e), x;
	if (privacy_at(s, k) == ',' || privacy_at(s, k) == '(' || privacy_at(s, k) == '-') {
		size_t q = privacy_skip_spaces(s, k + 1);
		if (privacy_match_any(s, q, record_words, &x) >= 0)
			return true;
		if (privacy_at(s, k) == ',') {
			/* Jane Doe, 45, was admitted */
			size_t d = q;
			while (privacy_is_digit(privacy_at(s, d)))
				d++;
			if (d > q && privacy_at(s, d) == ',')
				k = privacy_skip_spaces(s, d + 1);
		}
	}
	if (privacy_match_any(s, k, record_words, &x) >= 0)
		return true;
	return privacy_match_any(s, k, auxiliaries, &x) >= 0 &&
	       privacy_match_any(s, privacy_skip_spaces(s, x), participles, &x) >= 0;
}

/* A name right after a clinical noun at i ("my patient John Smith",
 * "Pt: Linda Park", "pt is Sarah Connor", "a patient named Emily");
 * *a is set to where it starts. Returns its end, or 0. */
static size_t name_after_noun(const struct privacy_scanner *s, size_t i, size_t we, size_t *a)
{
	/* "Patient Safety Week" is a title: a capital noun only as a label
	 * ("Patient: ..."), as "Pt", or after "my", "the"... */
	bool lower = privacy_is_lower(s->t[i]);
	bool label = privacy_at(s, we) == ':' || privacy_at(s, we) == ',';
	bool abbrev = privacy_lower(s->t[i]) == 'p' && privacy_lower(privacy_at(s, i + 1)) == 't' &&
		      we - i <= 3;
	if (!lower && !label && !abbrev && !privacy_words_before(s, i, 1, determiners))
		return 0;
	size_t k = label ? we + 1 : we, e;
	*a = privacy_skip_spaces(s, k);
	if (*a > k || label) {
		size_t n = name_at(s, *a, 2, 3);
		if (n)
			return n;
	}
	if (lower && privacy_match_any(s, *a, copulas, &e) >= 0) {
		*a = privacy_skip_spaces(s, e);
		size_t n = *a > e ? name_at(s, *a, 2, 3) : 0;
		if (n)
			return n;
	}
	k = privacy_at(s, we) == '\'' ? we + 2 : we; /* patient's name is */
	k = privacy_skip_spaces(s, k);
	if (privacy_match_any(s, k, naming, &e) >= 0) {
		*a = privacy_skip_spaces(s, e);
		return *a > e ? name_at(s, *a, 1, 3) : 0;
	}
	return 0;
}

void privacy_scan_names(struct privacy_scanner *s)
{
	for (size_t i = 0; i < s->len; i++) {
		if (!privacy_word_start(s, i) || !privacy_is_alpha(s->t[i]) || s->taken[i])
			continue;
		size_t we, a = 0, n = 0;
		int t;
		/* Mrs. Jane Doe, Mr Smith */
		for (t = 0; titles[t]; t++) {
			size_t tl = strlen(titles[t]);
			if (i + tl <= s->len && memcmp(s->t + i, titles[t], tl) == 0 &&
			    (titles[t][tl - 1] == '.' || privacy_word_end(s, i + tl)))
				break;
		}
		if (titles[t]) {
			size_t te = i + strlen(titles[t]);
			a = privacy_skip_spaces(s, te);
			n = a > te ? name_at(s, a, 1, 3) : 0;
		} else if (privacy_match_any(s, i, clinical_nouns, &we) >= 0) {
			n = name_after_noun(s, i, we, &a);
		} else if (privacy_is_lower(s->t[i]) && privacy_match_any(s, i, relatives, &we) >= 0 &&
			   privacy_words_before(s, i, 1, possessives)) {
			/* her daughter Lisa Grant */
			a = privacy_skip_spaces(s, we);
			n = a > we ? name_at(s, a, 2, 3) : 0;
		} else if (privacy_is_lower(s->t[i]) && privacy_match_any(s, i, clinical_verbs, &we) >= 0) {
			/* we admitted John Smith */
			a = privacy_skip_spaces(s, we);
			n = a > we ? name_at(s, a, 2, 3) : 0;
		} else if (privacy_is_upper(s->t[i])) {
			/* Jane Doe was admitted; John Smith (MRN ...) */
			a = i;
			n = name_at(s, i, 2, 3);
			if (n && !clinical_after(s, n))
				n = 0;
		}
		if (n && privacy_free(s, a, n)) {
			privacy_add(s, a, n, PRIVACY_NAME);
			i = n - 1;
		}
	}
}
