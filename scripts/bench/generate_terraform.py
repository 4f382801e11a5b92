"""Generates Terraform root modules for scripts/bench-terraform.sh.

usage: generate_terraform.py OUT_DIR ROOTS FILES_PER_ROOT
Each root: FILES_PER_ROOT iamNN.tf files, modules.tf (a local module called with count = 2)
and modules/keys/{main,variables}.tf.
"""
import os
import sys

MODULE_VARS = 'variable "action" {}\nvariable "group" {}\n'
MODULE_MAIN = '''resource "aws_iam_group" "g" {
  name = var.group
}

resource "aws_iam_policy" "p" {
  name = "keys-${var.group}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.action, Resource = "*" }]
  })
}

resource "aws_iam_group_policy_attachment" "a" {
  group      = aws_iam_group.g.name
  policy_arn = aws_iam_policy.p.arn
}
'''

FILE = '''variable "action_@I@" {
  default = "iam:CreateAccessKey"
}

locals {
  bucket_@I@ = "bucket-@R@-@I@"
}

resource "aws_iam_user" "u@I@" {
  name = "user-@R@-@I@"
}

resource "aws_iam_policy" "json@I@" {
  name = "json-@R@-@I@"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::${local.bucket_@I@}/*" },
      { Effect = "Allow", Action = var.action_@I@, Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "@TLS@" } } },
    ]
  })
}

resource "aws_iam_policy" "heredoc@I@" {
  name   = "heredoc-@R@-@I@"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iam:UpdateAccessKey", "Resource": "arn:aws:iam::*:user/$${aws:username}"}
  ]
}
EOF
}

data "aws_iam_policy_document" "doc@I@" {
  statement {
    sid       = "Keys"
    actions   = ["iam:DeleteAccessKey", "iam:ListAccessKeys"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["@TLS@"]
    }
  }
}

resource "aws_iam_policy" "doc@I@" {
  name   = "doc-@R@-@I@"
  policy = data.aws_iam_policy_document.doc@I@.json
}

resource "aws_iam_user_policy_attachment" "json@I@" {
  user       = aws_iam_user.u@I@.name
  policy_arn = aws_iam_policy.json@I@.arn
}

resource "aws_iam_policy_attachment" "doc@I@" {
  name       = "doc-@R@-@I@"
  policy_arn = aws_iam_policy.doc@I@.arn
  users      = [aws_iam_user.u@I@.name]
}
'''

MODULE_CALL = '''module "keys" {
  source = "./modules/keys"
  count  = 2
  action = "iam:ListAccessKeys"
  group  = "devs-@R@-${count.index}"
}
'''


def main():
    out, roots, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for r in range(roots):
        d = os.path.join(out, f"stack{r:03}")
        os.makedirs(os.path.join(d, "modules", "keys"))
        with open(os.path.join(d, "modules", "keys", "variables.tf"), "w") as f:
            f.write(MODULE_VARS)
        with open(os.path.join(d, "modules", "keys", "main.tf"), "w") as f:
            f.write(MODULE_MAIN)
        with open(os.path.join(d, "modules.tf"), "w") as f:
            f.write(MODULE_CALL.replace("@R@", str(r)))
        for i in range(files):
            tls = "true" if i % 2 else "false"
            text = FILE.replace("@I@", str(i)).replace("@R@", str(r)).replace("@TLS@", tls)
            with open(os.path.join(d, f"iam{i:02}.tf"), "w") as f:
                f.write(text)


main()
