#include "throttle.h"

bool throttle_once(uint32_t *said, unsigned bit)
{
	uint32_t m = UINT32_C(1) << (bit & 31);
	if (*said & m)
		return false;
	*said |= m;
	return true;
}

bool throttle_said(uint32_t said, unsigned bit)
{
	return said >> (bit & 31) & 1;
}

bool throttle_pass(struct throttle *t, uint64_t now_us, uint64_t period_us, unsigned *held_back)
{
	if (t->passed && now_us - t->last_us < period_us) {
		t->held++;
		return false;
	}
	*held_back = t->held;
	t->passed = true;
	t->last_us = now_us;
	t->held = 0;
	return true;
}
