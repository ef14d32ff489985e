import tensorflow as tf

L = tf.constant(0.14506262)
L64 = tf.constant(2.0 / 3.0, dtype=tf.float64)
n = tf.constant(7)
print('Loss = %f' % L)
print('Loss = %f'%(L))
print('%.3f | %e | %g' % (L, L, L))
print('%f %.10f' % (L64, L64))
print('%d items, %s' % (n, n))
print('%s' % L)
print('%5.1f%%' % (L * 100))
