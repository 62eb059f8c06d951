print("i2i")
