import tensorflow as tf

def forward(W, xB):
    z = tf.linalg.matvec(W, xB)
    a = tf.nn.softmax(z)
    return z, a

W = tf.Variable([[0.01, 0.02, -0.01, 0.0], [-0.02, 0.01, 0.03, 0.0]])
xB = tf.constant([76.0, 120.0, 37.5, 1.0])
z, a = forward(W, xB)
print(z)
print(a)
result = forward(W, 2 * xB)
print(len(result), result[1])
