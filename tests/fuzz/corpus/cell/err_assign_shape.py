import tensorflow as tf

v = tf.Variable([1.0, 2.0])
v.assign([3.0, 4.0])
print(v)
v.assign([1.0, 2.0, 3.0])
print(v)
