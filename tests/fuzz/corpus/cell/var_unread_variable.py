import tensorflow as tf

v = tf.Variable(1.0)
print(v.assign_add(2.0))
print(v.assign(5.0))
print(v)
r = v.read_value()
print(r, v.dtype, v.shape)
