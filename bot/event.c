#include "event.h"

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
