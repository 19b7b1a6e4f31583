#include "event.h"
#include "verdict.h"

const char *event_kind_name(enum event_kind kind)
{
	switch (kind) {
#define X(name, value, text) \
	case name: \
		return text;
		EVENT_KINDS(X)
#undef X
	}
	return "unknown";
}

const char *verdict_name(int verdict)
{
	switch (verdict) {
#define X(name, value, text) \
	case name: \
		return text;
		VERDICTS(X)
#undef X
	}
	return "unknown";
}
