import tensorflow as tf

x = tf.constant([1.0, 2.0])
v = tf.Variable([1.0, 2.0])
print(type(x).__name__)
print(type(v).__name__)
print(type(v + 1).__name__, type(v.read_value()).__name__, type(v.numpy()).__name__)
print(type(x))
print(type(v))
print(isinstance(x, tf.Tensor), isinstance(v, tf.Tensor), isinstance(v, tf.Variable))
