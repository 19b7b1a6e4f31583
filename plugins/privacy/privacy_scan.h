/* privacy_scan: finds patient-identifying details (HIPAA Safe Harbor
 * identifiers that show up in chat text) in a line. A pure function over
 * bytes, so the corpus test and the fuzzer call it directly. */
#ifndef ROUNDS_PRIVACY_SCAN_H
#define ROUNDS_PRIVACY_SCAN_H

#include <stddef.h>

/* X(ENUM, "config name") */
#define PRIVACY_CATEGORIES(X) \
	X(PHONE, "phone")     \
	X(EMAIL, "email")     \
	X(SSN, "ssn")         \
	X(ID, "id")           \
	X(DOB, "dob")         \
	X(ADDRESS, "address") \
	X(IP, "ip")           \
	X(NAME, "name")

enum privacy_category {
#define PRIVACY_ENUM(e, s) PRIVACY_##e,
	PRIVACY_CATEGORIES(PRIVACY_ENUM)
#undef PRIVACY_ENUM
	PRIVACY_N_CATEGORIES
};

#define PRIVACY_ALL ((1u << PRIVACY_N_CATEGORIES) - 1u)

/* text[start, end): one identifier. */
struct privacy_span {
	size_t start, end;
	enum privacy_category category;
};

/* The category's config name ("phone"), or "?" for a value out of range. */
const char *privacy_category_name(enum privacy_category c);
/* The category called name, or -1. */
int privacy_category_from_name(const char *name);

/* Finds the identifiers of the categories in mask (1u << category) in
 * text[0, len), which may hold any bytes. Returns how many and sets *spans
 * to a malloc'd array (free() it; NULL when none) sorted by start,
 * non-overlapping, each non-empty and starting and ending on a UTF-8
 * character boundary (an ill-formed byte counts as one character). */
size_t privacy_scan(const char *text, size_t len, unsigned mask, struct privacy_span **spans);

#endif
