// CImageCodecs: placeholder; JPEG and PNG decoding land with the data pipeline.
#ifndef I2I_CIMAGECODECS_H
#define I2I_CIMAGECODECS_H
int i2i_codecs_version(void);
#endif
