import tensorflow as tf

a = tf.constant(1.5)
b = tf.constant([1, 2])
print(a, b, sep=' | ')
print('no newline', end='')
print(' ... continued')
print('a', 'b', 'c', sep='')
print()
print(a, end='\n\n')
print('done')
