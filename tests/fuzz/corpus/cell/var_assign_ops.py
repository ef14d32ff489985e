import tensorflow as tf

v = tf.Variable([1.0, 2.0, 3.0])
print(v)
v.assign([4.0, 5.0, 6.0])
print(v)
v.assign_add([1.0, 1.0, 1.0])
print(v.numpy())
v.assign_sub(tf.constant([0.5, 0.5, 0.5]))
print(v)
v.assign(v * 2)
print(v.read_value())
