import tensorflow as tf

W = tf.Variable(1.0)
print("value",
      W.numpy(),
      W.nonexistent)
