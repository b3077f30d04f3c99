"""app/identity"""
