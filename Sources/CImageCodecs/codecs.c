#include "CImageCodecs.h"
int i2i_codecs_version(void) { return 1; }
