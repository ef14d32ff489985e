import tensorflow as tf

s = tf.constant(4.0)
v = tf.constant([1.0, 2.0, 3.0])
M = tf.constant([[1, 2], [3, 4], [5, 6]])
print(s)
print(v)
print(M)
print('ranks:', s.ndim, v.ndim, M.ndim)
print('shapes:', s.shape, v.shape, M.shape)
print('axes of the scalar:', len(s.shape))
print('axes of the matrix:', len(M.shape), 'with sizes', M.shape[0], 'and', M.shape[1])
